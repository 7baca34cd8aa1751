"""Settings for the maternity record: one module, everything that differs comes from the
environment. ``DJANGO_ENV`` is ``production`` (the default for the WSGI and Celery
servers), ``development`` (the default for ``manage.py``) or ``test`` (pytest). See
``.env.example`` for every variable."""

import datetime
import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("DJANGO_ENV") or ("test" if "pytest" in sys.modules else "production")
if ENVIRONMENT not in {"production", "development", "test"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV={ENVIRONMENT!r} is unknown: use production, development or test."
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", ENVIRONMENT == "development")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production refuses to start with a default key: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = f"insecure-{ENVIRONMENT}-key-never-use-in-production"

# The key that signs the access log's checkpoints (network/audit.py): kept outside the
# database, so that someone who can write the database cannot re-sign a log they altered.
# Production sets its own (ACCESS_LOG_KEY in the environment); without one it is derived
# from SECRET_KEY. Changing it makes every earlier checkpoint fail verification.
ACCESS_LOG_KEY = os.environ.get("ACCESS_LOG_KEY", "") or f"access-log:{SECRET_KEY}"
# Where ``manage.py archive_access_log`` writes the months it moves out of the database.
ACCESS_LOG_ARCHIVE_DIR = Path(
    os.environ.get("ACCESS_LOG_ARCHIVE_DIR", BASE_DIR / ".data" / "access-log-archive")
)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set: list the host names the record is served on, "
        "comma-separated (e.g. dossier.ziekenhuis.be)."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the Swagger UI files, served locally (no CDN)
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "dossier",
    "network",
    "careplan",
    "ebirth",
    "demo",
]

MIDDLEWARE = [
    # counts every answer by status class for /metrics (config/metrics.py)
    "config.metrics.RequestCountMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the session's idle timer, pushed back at most once a minute (config/middleware.py)
    "config.middleware.IdleTimerMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # the user's id on this request's log lines (config/logging.py)
    "config.logging.UserIdMiddleware",
    # health data is never cached for a signed-in user (config/security.py)
    "config.security.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.signin.SecondFactorMiddleware",
    # a save after the session expired is kept through the sign-in (config/pending_post.py)
    "config.pending_post.PendingPostMiddleware",
    "config.middleware.RequestIdMiddleware",
    "config.middleware.AccessRefusalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # a NUL byte or a lone surrogate anywhere in the request: 400 naming the field
    "config.inputs.BadTextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} and |date with the same output, their work done once (issue 16)
            "builtins": ["config.templatetags.quick"],
            # {% load i18n %}: Django's, a constant {% translate %} worked out once; {% load
            # static %}: Django's, each file's address kept once asked (issue 16)
            "libraries": {
                "i18n": "config.templatetags.quick_i18n",
                "static": "config.templatetags.quick_static",
                # {% topbar %}: every page's header in one tag (issue 16)
                "topbar": "config.templatetags.topbar",
            },
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "network.context_processors.inbox",
            ],
        },
    },
]

# Forms: Django's renderer, its inputs and selects written out in Python (issue 16)
FORM_RENDERER = "config.forms_renderer.QuickRenderer"

DATABASES = {"default": database_settings(ENVIRONMENT)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out user name + address
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENVIRONMENT == "test":
    # Hashing is not what the tests test; a fast hasher keeps the suite quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dossier:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Signing in (config/signin.py): password, then a TOTP code for professionals and staff
# (optional for mothers); repeated failures lock the user name on that address for a while.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_MINUTES", "30")) * 60  # inactivity
# The idle timer is pushed back at most once a minute (config.middleware.IdleTimerMiddleware),
# not by a session save on every page (issue 16).
SESSION_SAVE_EVERY_REQUEST = False
IDLE_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
OTP_TOTP_ISSUER = "Moederschapsdossier"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin may delete a lost app, never read its key
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "config.signin_views.locked_out"
AXES_CLIENT_IP_CALLABLE = "config.signin.client_ip"
# Behind N reverse proxies that append to X-Forwarded-For, the address of the outermost.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# Interface: Dutch first, then French and English. The language is the one the user
# chose (cookie); the browser's Accept-Language is not consulted.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = "Europe/Brussels"
USE_TZ = True

STATIC_URL = "static/"
# Collected files exist only in production builds (the Dockerfile runs collectstatic);
# elsewhere WhiteNoise serves straight from the source folders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
# Autorefresh finds a file when it is asked for. Without it WhiteNoise lists every static
# file when its middleware starts, and the test client starts the middleware anew for
# every test (about 50 ms each, a minute over the suite).
WHITENOISE_AUTOREFRESH = ENVIRONMENT in {"development", "test"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security: sessions and CSRF cookies only over HTTPS in production.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files, never inline
# (no 'unsafe-inline' for scripts; the admin, the Swagger page and the browsable API load
# theirs from files too). Inline *styles* stay allowed: a few templates and Swagger UI set
# style attributes, which cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "moederschapsdossier@localhost")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "mail"))

# Messages: the sender's display name ("Griet Peeters via Moederschapsdossier"), the address
# the links in e-mails point to, and how long a worker may take over one message before
# the sweep takes it back and sends it again (network/outbox.py).
MESSAGE_SENDER_NAME = os.environ.get("MESSAGE_SENDER_NAME", "Moederschapsdossier")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
# Closing the record (dossier/closure.py): where the hand-over summary goes for the child
# health service, with the mother's consent. Kind & Gezin for Flanders, ONE for Wallonia,
# Brussels by the mother's language; HANDOVER_CHILD_HEALTH_BY_PROVINCE overrides per
# province ("VAN=antwerpen@kindengezin.be,WLG=liege@one.be"). Empty: not sent there (the
# page says so). The e-mail holds a link to the summary, valid HANDOVER_LINK_DAYS days.
HANDOVER_KIND_EN_GEZIN_EMAIL = os.environ.get("HANDOVER_KIND_EN_GEZIN_EMAIL", "")
HANDOVER_ONE_EMAIL = os.environ.get("HANDOVER_ONE_EMAIL", "")
HANDOVER_CHILD_HEALTH_BY_PROVINCE = dict(
    item.split("=", 1) for item in env_list("HANDOVER_CHILD_HEALTH_BY_PROVINCE") if "=" in item
)
HANDOVER_LINK_DAYS = int(os.environ.get("HANDOVER_LINK_DAYS", "30"))
# Minutes an urgent clinical alert may wait to be acknowledged before it is escalated.
ALERT_ESCALATE_MINUTES = int(os.environ.get("ALERT_ESCALATE_MINUTES", "60"))

# SMS: the console backend logs the message; network.sms.HttpGatewayBackend posts it to
# SMS_GATEWAY_URL (JSON {"to", "text"}, bearer SMS_GATEWAY_TOKEN).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "network.sms.ConsoleBackend")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")

# Celery: Redis when REDIS_URL is set; without it (the demo) tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if ENVIRONMENT == "test" and not REDIS_URL:
    REDIS_URL = "redis://127.0.0.1:6379/15"
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Production runs Celery on Redis: set REDIS_URL=redis://host:6379/0."
    )
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = ENVIRONMENT == "test" or not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker never gives up on a broker that went away: it reconnects until it is back.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A publish from the web tier fails fast when Redis is down (the outbox's sweep delivers
# later); a worker's socket notices a dead Redis within seconds.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "socket_keepalive": True,
    "retry_on_timeout": False,
    "max_retries": 1,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # the outbox's sweep: what a broker outage left waiting goes out within a minute
    "deliver-pending-messages": {"task": "network.tasks.deliver_pending", "schedule": 60.0},
    # urgent alerts nobody acknowledged go to the next people (network/alerting.py)
    "escalate-alerts": {"task": "network.tasks.escalate_alerts", "schedule": 300.0},
    # consult requests to the maternity ward past their time: asker and ward reminded once
    "remind-overdue-consults": {
        "task": "dossier.tasks.remind_overdue_consults",
        "schedule": 300.0,
    },
    # the mothers' reminders of tomorrow's appointments (sent once each, 9 to 21 h)
    "remind-appointments": {"task": "careplan.tasks.remind_appointments", "schedule": 3600.0},
    # the eBirth export: every hour, so that a birth completed in time leaves within its
    # 24 hours; a run with nothing new writes no batch
    "export-births": {"task": "ebirth.tasks.export_births", "schedule": 3600.0},
    # the figures for policy makers: a year still open counted again every hour, the
    # others once a day (ebirth/figures.py; the page reads what this keeps)
    "refresh-figures": {"task": "ebirth.tasks.refresh_figures", "schedule": 3600.0},
    # the beat's heartbeat (config/tasks.py; docker-compose's beat healthcheck reads its age)
    "beat-heartbeat": {
        "task": "config.tasks.beat_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # the access log's signed checkpoint of the chain heads that moved, and the coming
    # months' partitions (network/audit.py, network/partitions.py)
    "access-log-checkpoint": {"task": "network.tasks.access_log_checkpoint", "schedule": 600.0},
    # expired sessions out of the database, once a day
    "clear-sessions": {"task": "config.tasks.clear_sessions", "schedule": 86400.0},
}
# config/ is no app: its tasks are imported by name.
CELERY_IMPORTS = ("config.tasks",)
# Where the beat's heartbeat file is touched (a volume shared by worker and beat).
HEARTBEAT_DIR = Path(os.environ.get("HEARTBEAT_DIR", BASE_DIR / ".data" / "heartbeat"))

# The eBirth export (ebirth/): where the batches' files are kept, and how many births one
# transaction claims (each chunk commits with its progress, so the page can show it).
EBIRTH_EXPORT_DIR = Path(os.environ.get("EBIRTH_EXPORT_DIR", BASE_DIR / ".data" / "ebirth"))
EBIRTH_EXPORT_CHUNK = int(os.environ.get("EBIRTH_EXPORT_CHUNK", "2000"))

# A running export batch's lease: renewed with each chunk, so it must outlast the slowest
# chunk (2000 births take well under a minute); a batch whose lease ran out has lost its
# worker and is taken over by the next "Exporteren" (ebirth/views.py).
EBIRTH_EXPORT_LEASE_SECONDS = int(os.environ.get("EBIRTH_EXPORT_LEASE_SECONDS", "300"))

# Backups (`manage.py backup`, `make backup`): where a backup folder goes when none is named.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / ".data" / "backups"))

# Retention (`manage.py retention`, dossier/retention.py): a closed record is kept this many
# years after its closure, then pseudonymised by a recorded decision. Why 30: Belgian law
# keeps a patient record at least 30 and at most 50 years after the last contact (Law of
# 22 April 2019 on the quality of healthcare practice, art. 35; for hospital records
# already the Royal Decree of 3 May 1999 on the medical file, art. 1 §3: 30 years).
RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "30"))

# The API (config/api_urls.py): a token (issued in the admin or with
# `manage.py drf_create_token <user>`, sent as "Authorization: Token <key>") or the page's
# session. The token comes first so that an anonymous request gets a 401 with its challenge.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    # drf-spectacular, with the error responses and blank choices listed (config/schema.py)
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    # Logs refusals (as config.middleware does for pages); a model's ValidationError → 400.
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Moederschapsdossier API",
    "DESCRIPTION": "The shared maternity record: dossiers, newborns, the care network and "
    "the mother's consent. A section the user may not see is absent.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # Swagger UI from the local sidecar files, and no online validator badge: the app runs
    # on a closed network. (Redoc is not offered: its page loads Google Fonts.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "DossierStatusEnum": "dossier.models.DossierStatus",
        "NewbornStatusEnum": "dossier.models.NewbornStatus",
        "LevelEnum": "network.models.Level",
        "EndReasonEnum": "network.models.EndReason",
        "ScreeningKindEnum": "dossier.screenings.ScreeningKind",
        "SelfKindEnum": "dossier.selfcare.SelfKind",
        "LabResultEnum": "dossier.labs.LabResult",
        "LabSourceEnum": "dossier.labs.LabSource",
        "ResultEnum": "dossier.screenings.ScreeningResult",  # their names before the labs
        "SourceEnum": "dossier.models.MeasurementSource",
        # the record's sections, and the two a consult with the maternity ward is about
        "SectionEnum": "dossier.sections.Section",
        "ConsultSectionEnum": "dossier.models.consult.CONSULT_SECTION_CHOICES",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# Observability (README "Observability"): JSON log lines with the request id and the user id
# (LOG_FORMAT=json, the production default; plain elsewhere), optional Sentry, /metrics.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
from config.logging import init_sentry, logging_config  # noqa: E402

LOGGING = logging_config(LOG_FORMAT, os.environ.get("DJANGO_LOG_LEVEL", "INFO"))
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENABLED = init_sentry(
    SENTRY_DSN, environment=ENVIRONMENT, release=os.environ.get("SENTRY_RELEASE", "")
)
# /metrics answers a scraper from these addresses, or one sending "Bearer <METRICS_TOKEN>";
# anyone else gets a 404.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "" if PRODUCTION else "127.0.0.1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
