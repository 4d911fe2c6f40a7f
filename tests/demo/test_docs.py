"""Every environment variable Fixboard reads is documented where an operator looks for it."""

import re
from pathlib import Path

import fixboard

ROOT = Path(fixboard.__file__).resolve().parent.parent
READ = re.compile(
    r"""(?:environ\.get|environ\[|env_bool|env_list|getenv)\(?\s*["']([A-Z][A-Z0-9_]+)"""
)


def variables_read() -> set[str]:
    found = set()
    for path in (ROOT / "fixboard").rglob("*.py"):
        found |= set(READ.findall(path.read_text(encoding="utf-8")))
    return found - {"DJANGO_SETTINGS_MODULE"}


def test_the_scan_finds_variables():
    assert {"SECRET_KEY", "DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "PORT"} <= variables_read()


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    missing = sorted(variables_read() - listed)
    assert not missing, f"add to .env.example: {', '.join(missing)}"


def test_configuration_doc_explains_every_variable():
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = sorted(v for v in variables_read() if f"`{v}`" not in text)
    assert not missing, f"document in docs/configuration.md: {', '.join(missing)}"
