"""Every string the code marks for translation has its Spanish translation.

The catalogs are extracted again, as `fixboard makemessages` would (docs/web.md), in a copy of
the package, so the committed files stay as they are; each string found must then be translated
in the catalog it belongs to, neither empty nor fuzzy. A string added without extracting it, or
marked by a name makemessages cannot see, shows up here as English on a Spanish page would.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _entries(catalog: Path, *flags: str) -> list[str]:
    shown = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", "--no-wrap", str(catalog)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [m for m in re.findall(r'^msgid "(.*)"$', shown, re.MULTILINE) if m]


def test_every_marked_string_has_a_spanish_translation(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.skip("gettext's tools are not installed (Debian: apt-get install gettext)")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "fixboard", copy / "fixboard", ignore=shutil.ignore_patterns("__pycache__", "*.mo")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "es",
            "--settings",
            "fixboard.settings",
        ],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy), "FIXBOARD_VAR_DIR": str(tmp_path)},
        capture_output=True,
        check=True,
    )
    missing = {}
    for catalog in sorted(copy.glob("fixboard/**/locale/es/LC_MESSAGES/django.po")):
        found = _entries(catalog, "--untranslated") + _entries(catalog, "--only-fuzzy")
        if found:
            missing[str(catalog.relative_to(copy))] = found
    assert missing == {}, "translate these, then msgfmt (docs/web.md)"
