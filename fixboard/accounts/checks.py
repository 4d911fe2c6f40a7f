from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

INSECURE_KEY = "insecure-development-key-change-me"


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs):
    """`fixboard check --deploy` names what a production install must set."""
    problems = []
    if settings.SECRET_KEY == INSECURE_KEY:
        problems.append(
            Error(
                "SECRET_KEY is the development default.",
                hint="Set SECRET_KEY to a long random value (see .env.example).",
                id="fixboard.E001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "The database is SQLite.",
                hint="Set DATABASE_URL to a PostgreSQL database for more than one machine.",
                id="fixboard.W001",
            )
        )
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        problems.append(
            Warning(
                "E-mail is printed to the console, not sent.",
                hint="Set EMAIL_BACKEND and EMAIL_HOST (see docs/configuration.md).",
                id="fixboard.W002",
            )
        )
    return problems
