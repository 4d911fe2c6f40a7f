import gzip
from pathlib import Path

import fixboard

STATIC = Path(fixboard.__file__).parent / "static" / "fixboard"


def test_report_page_own_javascript_and_css_stay_under_50_kb_compressed():
    own = ["site.css", "site.js", "report.js"]
    size = sum(len(gzip.compress((STATIC / name).read_bytes())) for name in own)
    assert size < 50_000, f"{size} bytes gzipped"
