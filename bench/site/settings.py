"""Fixboard's settings as deployed (`bench.serving` sets DEBUG=0), with the bench URLconf."""

from fixboard.settings import *  # noqa: F403

ROOT_URLCONF = "bench.site.urls"
