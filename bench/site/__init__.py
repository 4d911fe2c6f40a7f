"""The site the serving benchmarks start: Fixboard's own, plus a bare view to compare with.

(Only the settings and URLconf load Django; this package is imported by the orchestrator.)
"""

BARE_PATH = "/bench/bare.json"
