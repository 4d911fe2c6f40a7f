import os

import pytest

from tests.browser import PHONE, block_outside

# The live server runs in a thread while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts: `new_page(viewport=..., locale=..., geolocation=...)`."""
    contexts = []

    def make(*, viewport=PHONE, locale="en-US", geolocation=None):
        options = {"viewport": viewport, "locale": locale, "base_url": live_server.url}
        if geolocation:
            options |= {"geolocation": geolocation, "permissions": ["geolocation"]}
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.blocked = block_outside(context)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        return page

    yield make
    errors = [e for c in contexts for p in c.pages for e in p.js_errors]
    for context in contexts:
        context.close()
    assert errors == [], errors
