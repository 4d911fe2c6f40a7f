"""The production configuration that docs/install.md gives passes `check --deploy` as it is."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented_production_environment() -> dict[str, str]:
    """The variables of install.md's "At least:" block, placeholders filled in."""
    text = (ROOT / "docs" / "install.md").read_text()
    block = re.search(r"At least:\n\n```ini\n(.*?)```", text, re.S).group(1)
    variables = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)  # the doc shows how to make one
    return variables


def test_the_documented_production_configuration_passes_check_deploy(tmp_path):
    variables = documented_production_environment()
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"):
        assert name in variables
    documented = (ROOT / "docs" / "configuration.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for name in variables:
        assert f"`{name}`" in documented and f"#{name}=" in example, name
    keep = {k: os.environ[k] for k in ("PATH", "PYTHONPATH", "HOME") if k in os.environ}
    result = subprocess.run(
        [sys.executable, "-m", "fixboard", "check", "--deploy", "--fail-level", "WARNING"],
        env={**keep, **variables, "FIXBOARD_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
