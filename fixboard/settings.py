"""Settings for Fixboard. Every value comes from the environment, with safe defaults.

`.env.example` documents each variable.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("FIXBOARD_VAR_DIR") or BASE_DIR.parent / "var")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin, as django-modeltranslation asks: the city's texts in every language.
    "modeltranslation",
    # Django's admin with a site that asks for the two-factor code of accounts that have one.
    "fixboard.accounts.apps.FixboardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "corsheaders",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "fixboard.core",
    "fixboard.audit",
    "fixboard.places",
    "fixboard.catalog",
    "fixboard.accounts",
    "fixboard.reports",
    "fixboard.notify",
    "fixboard.open311",
    "fixboard.bridge",
    "fixboard.webhooks",
    "fixboard.api",
    "fixboard.maps",
    "fixboard.insights",
    "fixboard.work",
    "fixboard.console",
    "fixboard.channels",
    "fixboard.web",
    "fixboard.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with the two-factor code (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fixboard.urls"

# CORS is switched on per request by check_request_enabled handlers (fixboard/api/cors.py:
# read-only API calls), never by URL: this pattern matches nothing.
CORS_URLS_REGEX = r"(?!)"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

WSGI_APPLICATION = "fixboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'fixboard.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that costs no round trip (see its docstring).
    DATABASES["default"]["ENGINE"] = "fixboard.core.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates the database file but not its folder (var/ is not in a fresh clone).
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # "database is locked" on write transactions that start with a read.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "work:login"

# django-axes first: it refuses a locked-out username and address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Password sign-ins: after AXES_FAILURE_LIMIT failures for one username from one address,
# that pair is refused for AXES_COOLOFF_MINUTES; a success resets its count. Locking the
# pair, not the address, keeps a call center behind one NAT address signing in.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # its start-up banner on every command; lockouts are still logged
# A locked-out sign-in gets a page in the site's look (HTTP 429).
AXES_LOCKOUT_CALLABLE = "fixboard.work.views.signin.locked_out"
# Keep addresses only as long as a lockout needs them: failed attempts, not every sign-in.
AXES_DISABLE_ACCESS_LOG = True
# The same client address as the rate limits (NUM_PROXIES hops back).
AXES_CLIENT_IP_CALLABLE = "fixboard.core.limits.client_address"

# Two-factor sign-in (TOTP through django-otp): optional per account, set up at
# /account/security/. When STAFF_REQUIRE_TWO_FACTOR is on, staff without it are sent there
# before any staff page. Wrong codes slow down: 1, 2, 4, 8 ... seconds per wrong code
# (OTP_TOTP_THROTTLE_FACTOR), and count towards the AXES_FAILURE_LIMIT lockout as well.
STAFF_REQUIRE_TWO_FACTOR = env_bool("STAFF_REQUIRE_TWO_FACTOR", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Fixboard")
OTP_TOTP_THROTTLE_FACTOR = 1
# Seconds between the password and the code before the password must be given again.
SIGNIN_CODE_SECONDS = int(os.environ.get("SIGNIN_CODE_SECONDS", "300"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# What a city configures (service types, questions, departments…) is kept in every language
# of LANGUAGES (django-modeltranslation); a text not translated shows in LANGUAGE_CODE's.
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = (LANGUAGE_CODE,)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Photos one submission or update may carry, through every door (web, Open311, REST): how
# many, bytes each and in all, pixels each and in all (the work of decoding them).
PHOTO_MAX_COUNT = int(os.environ.get("PHOTO_MAX_COUNT", "5"))
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10_000_000)))
PHOTO_MAX_TOTAL_BYTES = int(os.environ.get("PHOTO_MAX_TOTAL_BYTES", str(25_000_000)))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(40_000_000)))
PHOTO_MAX_TOTAL_PIXELS = int(os.environ.get("PHOTO_MAX_TOTAL_PIXELS", str(100_000_000)))
# Where nginx serves photos from once the app has said a photo is public (X-Accel-Redirect to
# an `internal` location); empty: the app sends the file itself.
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP server may take to answer; a send must end well within TASK_LEASE_SECONDS.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Fixboard <noreply@localhost>")
# Where links in e-mails and feeds point (no request at hand in a task): scheme and host.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
# The country whose numbering plan reads phone numbers typed without a country code (ISO 3166).
PHONE_REGION = os.environ.get("PHONE_REGION", "US").upper()
# Text messages (SMS) to callers (fixboard.notify.sms): "console" (development: written to the
# output), "file" (one JSON file per text in SMS_FILE_DIR), "twilio" (Twilio's Messages API or
# a provider that speaks it, at SMS_API_URL), or the dotted path of a backend class.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_FILE_DIR = Path(os.environ.get("SMS_FILE_DIR") or VAR_DIR / "sms")
SMS_ACCOUNT_SID = os.environ.get("SMS_ACCOUNT_SID", "")
# Also the key that signs the provider's calls to /sms/inbound/: without it, they are refused.
SMS_AUTH_TOKEN = os.environ.get("SMS_AUTH_TOKEN", "")
# The number texts come from (E.164), or a Twilio Messaging Service SID (MG…).
SMS_FROM = os.environ.get("SMS_FROM", "")
SMS_API_URL = os.environ.get("SMS_API_URL", "https://api.twilio.com").rstrip("/")
# Seconds the provider may take to answer; a send must end well within TASK_LEASE_SECONDS.
SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))
# Ask the provider to post what became of each text (delivered, undelivered) to /sms/status/.
SMS_DELIVERY_STATUS = env_bool("SMS_DELIVERY_STATUS", True)
# Days a texted link that fills in the caller's phone number stays good (fixboard.channels).
PREFILL_LINK_DAYS = float(os.environ.get("PREFILL_LINK_DAYS", "7"))
# Minutes of silence after which a resident's SMS report is dropped and their next text
# starts a new one (fixboard.channels).
SMS_CONVERSATION_MINUTES = float(os.environ.get("SMS_CONVERSATION_MINUTES", "60"))
# Hosts of map apps' short links ("Share" in Google Maps) that a report by text follows to
# the place they stand for (fixboard.channels.locations); only these, only to map hosts.
MAP_SHORT_LINK_HOSTS = env_list("MAP_SHORT_LINK_HOSTS", "maps.app.goo.gl,goo.gl")
# Hour of the day (in TIME_ZONE) at which the worker sends watch-area digests when scheduled.
DIGEST_HOUR = int(os.environ.get("DIGEST_HOUR", "7"))

_REDIS = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    if os.environ.get("REDIS_URL")
    else None
)
CACHES = {
    "default": _REDIS or {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rate limits must be shared by every process: Redis, else counters in the database.
    "limits": _REDIS or {"BACKEND": "fixboard.core.counters.CounterCache"},
}
RATELIMIT_USE_CACHE = "limits"

# Writes a stranger can make, per client address, per e-mail that would get mail and per
# request written to (fixboard.core.limits). RATE_LIMITS overrides any of them, e.g.
# RATE_LIMITS=report.address=10/h,signin.email=3/h ("off" switches one off).
RATE_LIMITS = {
    "report": {"address": "20/h", "email": "10/h"},
    "comment": {"address": "30/h", "email": "20/h", "request": "30/h"},
    "support": {"address": "60/h", "request": "120/h"},
    "flag": {"address": "30/h", "request": "60/h"},
    # Follow links, watch areas and sign-in links are also limited per e-mail in the domain
    # (fixboard.reports.actions.ask_to_follow, fixboard.notify.actions), by what was sent.
    "follow": {"address": "30/h", "request": "120/h"},
    "watch": {"address": "10/h"},
    "signin": {"address": "20/h"},
    "api": {"address": "30/m"},
    # Texts queued to one number (fixboard.notify.texts): they cost money and must not pester.
    "text": {"phone": "5/h"},
    # The provider's calls to /sms/inbound/.
    "sms_inbound": {"address": "300/m"},
    # Residents reporting by text (fixboard.channels): answers to one number's texts that are
    # not STOP, START or HELP (those are always answered), and requests made.
    "sms_message": {"phone": "40/h"},
    "sms_report": {"phone": "10/d"},
    # The voice provider's calls to /voice/ (the on-hold menu).
    "voice": {"address": "300/m"},
}
for _item in env_list("RATE_LIMITS"):
    _name, _, _rate = _item.partition("=")
    _action, _, _kind = _name.strip().partition(".")
    RATE_LIMITS.setdefault(_action, {})[_kind] = "" if _rate.strip() == "off" else _rate.strip()

# Web processes serving this site (gunicorn --workers), read by the rate-limit store check.
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "2"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# A task (and an e-mail) a worker has started is its own for this long; after that, if the
# worker died, any worker takes it again. Longer than any task and any SMTP exchange takes.
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "300"))
# How often each worker looks for work lost by a dead worker or a failed after-commit step.
WORKER_RECONCILE_SECONDS = float(os.environ.get("WORKER_RECONCILE_SECONDS", "60"))
# What it runs then, in order: each repairs what it owns and may be run by several workers at once.
WORKER_RECONCILERS = [
    "fixboard.core.worker.release_stale_tasks",
    "fixboard.notify.tasks.reconcile_event_notifications",
    "fixboard.notify.tasks.reconcile_deliveries",
    "fixboard.notify.text_tasks.reconcile_texts",
    "fixboard.notify.tasks.reconcile_department_notices",
    "fixboard.reports.tasks.reconcile_automation",
    "fixboard.maps.tasks.reconcile_map_counts",
    "fixboard.insights.tasks.reconcile_figures",
    "fixboard.reports.idempotency.delete_expired_claims",
    "fixboard.reports.sla.record_breaches",
    "fixboard.notify.fixed_checks.send_due",
    "fixboard.channels.conversations.expire_conversations",
    "fixboard.bridge.tasks.reconcile_crm_sends",
    "fixboard.bridge.tasks.poll_due_endpoints",
    "fixboard.webhooks.tasks.reconcile_event_deliveries",
    "fixboard.webhooks.tasks.reconcile_webhook_deliveries",
]

# A city's CRM (fixboard.bridge): how long to wait for its answer, and the first wait before
# retrying a failed send (doubling with each attempt, with jitter).
CRM_TIMEOUT_SECONDS = float(os.environ.get("CRM_TIMEOUT_SECONDS", "20"))
CRM_RETRY_BASE_SECONDS = float(os.environ.get("CRM_RETRY_BASE_SECONDS", "60"))

# Webhooks for integrators (fixboard.webhooks): how long a receiver may take to answer, and
# the first wait before retrying a failed delivery (doubling with each attempt, with jitter).
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "60"))

# SLAs: an open request is "due soon" within this many hours of its due time (real hours,
# not business hours); its managers get an e-mail when it goes past it (SLA_BREACH_EMAILS).
SLA_DUE_SOON_HOURS = float(os.environ.get("SLA_DUE_SOON_HOURS", "24"))
SLA_BREACH_EMAILS = env_bool("SLA_BREACH_EMAILS", True)
# Days after a close as fixed when its reporter and followers are asked "Has this been
# fixed?" (fixboard.notify.fixed_checks); 0 asks nobody.
FIXED_CHECK_DAYS = float(os.environ.get("FIXED_CHECK_DAYS", "3"))

# Map tiles: any XYZ tile server, OpenStreetMap's standard tiles by default. Set it empty
# (MAP_TILE_URL=) for no base layer (areas and requests only), e.g. on an offline install.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

# How often a process checks whether areas changed and its spatial index must be rebuilt.
AREA_INDEX_REFRESH_SECONDS = float(os.environ.get("AREA_INDEX_REFRESH_SECONDS", "5"))
# How long a process trusts its copy of the configuration every call reads: jurisdictions,
# service types and their questions, departments, routing rules (fixboard.core.snapshots).
CONFIGURATION_CACHE_SECONDS = float(os.environ.get("CONFIGURATION_CACHE_SECONDS", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Behind nginx (or any proxy) that terminates TLS and sets X-Forwarded-Proto: without it Django
# sees plain HTTP, builds http:// links and refuses HTTPS form posts as cross-origin.
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Proxies in front of the app that append to X-Forwarded-For: the API's write throttles take the
# client's address that many hops back (0: REMOTE_ADDR, never a header a client could forge).
NINJA_NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    # HTTPS only, enforced by Django as well as by the proxy: off by default, since a site
    # reached over plain HTTP (a first evaluation) would become unreachable, and HSTS is
    # remembered by browsers for SECURE_HSTS_SECONDS whatever the site does afterwards.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or "0")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# External geocoder behind the address index (fixboard.places.geocoding), off by default:
# a geopy service name ("nominatim", "pelias", "arcgis"…), its base URL and key.
GEOCODER = os.environ.get("GEOCODER", "")
GEOCODER_URL = os.environ.get("GEOCODER_URL", "")
GEOCODER_KEY = os.environ.get("GEOCODER_KEY", "")
GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT", "fixboard")
GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "3"))
GEOCODER_MIN_DELAY = float(os.environ.get("GEOCODER_MIN_DELAY", "1"))
GEOCODER_CACHE_SECONDS = int(os.environ.get("GEOCODER_CACHE_SECONDS", str(30 * 24 * 3600)))
