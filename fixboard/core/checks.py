from django.conf import settings
from django.core.checks import Error, Tags, register
from django_ratelimit.core import rate_re

from .limits import KINDS

# Backends whose counts one process cannot see from another, or cannot increment atomically.
NOT_SHARED = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.db.DatabaseCache",
)


@register(Tags.caches)
def check_limits_store(app_configs, **kwargs):
    """Rate limits must count in one store for every process: the rule is documented in
    docs/configuration.md (a per-process store only with DEBUG on and one web process)."""
    backend = settings.CACHES.get(settings.RATELIMIT_USE_CACHE, {}).get("BACKEND", "")
    single = settings.DEBUG and settings.WEB_CONCURRENCY <= 1
    if backend in NOT_SHARED and not single:
        return [
            Error(
                f"Rate limits are counted in {backend}, which the web processes do not "
                "share or cannot count in atomically.",
                hint="Set REDIS_URL, or leave the 'limits' cache to "
                "fixboard.core.counters.CounterCache (the default without Redis).",
                id="fixboard.E010",
            )
        ]
    return []


@register()
def check_rate_limits(app_configs, **kwargs):
    problems = []
    for action, rates in settings.RATE_LIMITS.items():
        for kind, rate in rates.items():
            if kind not in KINDS or (rate and not rate_re.fullmatch(rate)):
                problems.append(
                    Error(
                        f"RATE_LIMITS has {action}.{kind}={rate!r}.",
                        hint=f"Kinds are {', '.join(KINDS)}; rates look like 10/m, 100/h, "
                        "500/d, or off.",
                        id="fixboard.E011",
                    )
                )
    return problems
