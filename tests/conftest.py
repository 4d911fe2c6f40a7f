import os
from pathlib import Path

import pytest
from django.utils import translation

from fixboard.core.snapshots import forget_all
from fixboard.places.spatial import invalidate_area_index

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = SHARED / "data"


@pytest.fixture(autouse=True)
def _english():
    # A test that renders Spanish pages must not leave Spanish on for the next one.
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.AREA_INDEX_REFRESH_SECONDS = 0
    # No test may reach the internet: maps get no base layer unless a test serves its own.
    settings.MAP_TILE_URL = ""
    settings.MAP_TILE_ATTRIBUTION = ""
    settings.CONFIGURATION_CACHE_SECONDS = 0
    # What a test keeps for 60 s (as deployed) must not outlive its database.
    forget_all()
    invalidate_area_index()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def shared_data() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"real data not found at {DATA}")
    return DATA


@pytest.fixture
def city(db):
    from tests.factories import make_city

    return make_city()


@pytest.fixture
def sms_outbox(settings, tmp_path):
    """Texts go to the file SMS backend in a fresh directory; call the fixture's value for
    the texts sent so far (dicts with id, to, from, body, sent_at), oldest first."""
    from fixboard.notify.sms.file import sent_messages

    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    settings.SMS_FROM = "+13235550100"
    return lambda: sent_messages(settings.SMS_FILE_DIR)


def pytest_collection_modifyitems(config, items):
    # A test of one database's own behaviour (marked `database("postgresql")`) is left out of a
    # run on the other, not skipped: in CI a skip means a broken set-up.
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    vendor = "postgresql" if "postgresql" in engine else "sqlite"
    kept, other = [], []
    for item in items:
        marker = item.get_closest_marker("database")
        (other if marker and marker.args[0] != vendor else kept).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    # In CI every test must run: a skipped browser or PostgreSQL test hides a broken set-up.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI that is a failure.", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, shared by every browser test of the run."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
