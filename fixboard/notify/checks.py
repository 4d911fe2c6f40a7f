from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Tags, Warning, register


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


@register()
def check_email_timeout(app_configs, **kwargs):
    """A send that may outlast its lease may be sent again by another worker meanwhile."""
    timeout = settings.EMAIL_TIMEOUT
    if timeout is None or timeout * 4 > settings.TASK_LEASE_SECONDS:
        return [
            Warning(
                f"EMAIL_TIMEOUT ({timeout}) is too long for TASK_LEASE_SECONDS "
                f"({settings.TASK_LEASE_SECONDS}): a slow SMTP server may get an e-mail twice.",
                hint="Keep EMAIL_TIMEOUT under a quarter of TASK_LEASE_SECONDS.",
                id="fixboard.W102",
            )
        ]
    return []
