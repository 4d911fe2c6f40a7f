from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """Links in e-mails and feeds are built from SITE_URL; a local one breaks them all."""
    host = urlparse(settings.SITE_URL).hostname or ""
    if host in ("", "localhost", "127.0.0.1", "::1"):
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in e-mails and feeds will not work.",
                hint="Set SITE_URL to the public address, e.g. https://fix.example.gov.",
                id="fixboard.W101",
            )
        ]
    return []


def _send_timeout(name: str, what: str, check_id: str) -> list[Warning]:
    """A send that may outlast its lease may be sent again by another worker meanwhile."""
    timeout = getattr(settings, name)
    if timeout is None or timeout * 4 > settings.TASK_LEASE_SECONDS:
        return [
            Warning(
                f"{name} ({timeout}) is too long for TASK_LEASE_SECONDS "
                f"({settings.TASK_LEASE_SECONDS}): a slow {what} may get a message twice.",
                hint=f"Keep {name} under a quarter of TASK_LEASE_SECONDS.",
                id=check_id,
            )
        ]
    return []


@register()
def check_send_timeouts(app_configs, **kwargs):
    return _send_timeout("EMAIL_TIMEOUT", "SMTP server", "fixboard.W102") + _send_timeout(
        "SMS_TIMEOUT", "SMS provider", "fixboard.W103"
    )


@register()
def check_sms_backend(app_configs, **kwargs):
    """A backend that cannot be loaded, or a provider without its account, fails every text."""
    from .sms import BACKENDS

    path = BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    try:
        import_string(path)
    except ImportError as exc:
        return [
            Error(
                f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be loaded: {exc}",
                hint="Use console, file, twilio or the dotted path of a backend class.",
                id="fixboard.E101",
            )
        ]
    if path != BACKENDS["twilio"]:
        return []
    missing = [
        name
        for name in ("SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM")
        if not getattr(settings, name)
    ]
    if missing:
        return [
            Error(
                f"SMS_BACKEND is twilio but {', '.join(missing)} is not set: no text can go.",
                hint="Set them from the provider's console (docs/notify.md).",
                id="fixboard.E102",
            )
        ]
    return []
