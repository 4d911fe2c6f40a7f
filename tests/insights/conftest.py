# The figures are parts of the resident pages: their browser tests open pages as tests/web's do.
from tests.web.conftest import new_page  # noqa: F401
