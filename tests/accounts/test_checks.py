from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_deploy_check_refuses_the_development_secret_key(settings):
    settings.SECRET_KEY = "insecure-development-key-change-me"
    try:
        call_command("check", deploy=True, fail_level="ERROR")
    except SystemCheckError as exc:
        assert "fixboard.E001" in str(exc)
    else:
        raise AssertionError("the deploy check passed with the development key")


def test_deploy_check_passes_with_a_real_key(settings, monkeypatch):
    # Browser tests set this for live_server; a deployment never does.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.SECRET_KEY = "a-long-random-production-key-" + "x" * 40
    call_command("check", deploy=True, fail_level="ERROR")
