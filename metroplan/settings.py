"""Settings for metroplan, read from the environment.

Embedded defaults (SQLite under var/, a file-system Celery broker) need no
server; DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis. DEBUG is off
unless asked for, and outside DEBUG a SECRET_KEY must be given.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from metroplan.env import (
    env_backend,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_prefixed,
    env_str,
)
from metroplan.logging import logging_config
from metroplan.sign_in_providers import sign_in_providers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("METROPLAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("METROPLAN_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    # Sign-in: local passwords, single sign-on (OpenID Connect, SAML 2.0) and
    # the second factor (TOTP, recovery codes), by django-allauth.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "metroplan",
    "members",
    "actions",
    "reporting",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: requests and latencies (/metrics)
    "metroplan.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "metroplan.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "metroplan.second_factor.SecondFactorMiddleware",
    "members.middleware.UserLanguageMiddleware",
    "metroplan.middleware.RejectNulCharactersMiddleware",
    "metroplan.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "metroplan.middleware.SignInFormActionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last
]

ROOT_URLCONF = "metroplan.urls"
WSGI_APPLICATION = "metroplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "metroplan.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'metroplan.sqlite3'}"
# Persistent connections outside debugging (opening one costs 8-10 ms per request);
# the health check makes a request first test a reused connection, so a restarted
# PostgreSQL costs no failed request once it answers again. The development server
# starts a thread per request, where a kept connection would only leak: 0 there.
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 0 if DEBUG or TESTING else 60)
if DB_CONN_MAX_AGE < 0:
    raise ImproperlyConfigured(f"DB_CONN_MAX_AGE must be 0 or more seconds, got {DB_CONN_MAX_AGE}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True)
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the planner's estimate for a page's grouped figures (a
    # correlated subquery per row) passes jit_above_cost, and compiling then takes
    # ~100 ms for a query that runs in 10 ms. Nothing here runs long enough to gain.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()  # keeps DATABASE_URL's ?options=
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a Celery worker writes; IMMEDIATE avoids
    # "database is locked" on upgrade from a read to a write transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# A read replica (optional): reports' snapshots and the plan's exports read it
# (metroplan/db_router.py); pages, the API and every write use the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True
    )
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must use the same database engine as DATABASE_URL.")
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                       **DATABASES["replica"].get("OPTIONS", {})}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["metroplan.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role's home (reporting.views_home)
LOGOUT_REDIRECT_URL = "login"

# Sign-in (django-allauth). People sign in with their username and password, or
# with their organisation's account (single sign-on, below); nobody signs up on
# their own: staff add focal points, and approve each new single sign-on user
# (members.sign_in_services). Secretariat staff need a second factor
# (metroplan.second_factor); focal points may add one.
ACCOUNT_ADAPTER = "members.sign_in_adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "members.sign_in_adapters.SocialAccountAdapter"
MFA_ADAPTER = "members.sign_in_adapters.MFAAdapter"
ACCOUNT_FORMS = {"login": "members.sign_in_forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_SESSION_REMEMBER = True  # no "remember me" box: sessions last SESSION_COOKIE_AGE (staff: STAFF_SESSION_AGE)
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Wrong passwords are django-axes' to count (AXES_* below), per username and
# client address; allauth's own counters stay for the second factor's codes.
ACCOUNT_RATE_LIMITS = {"login": None}
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an e-mail address never links accounts by itself
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # a provider's button posts a form (no sign-in started by a link)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
SOCIALACCOUNT_PROVIDERS = sign_in_providers(os.environ)  # SSO_* variables: metroplan/sign_in_providers.py
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "metroplan"
MFA_TOTP_TOLERANCE = 1  # a code from the previous or next 30 seconds is accepted (clocks drift)
# Local passwords for secretariat staff: off means staff sign in with single
# sign-on only (focal points keep their passwords).
STAFF_LOCAL_PASSWORDS = env_bool("STAFF_LOCAL_PASSWORDS", True)

# Brute-force protection on the login form: failures are counted per username
# and client address together, so that an attacker locks only themselves out of
# the accounts they try, never a user signing in from elsewhere, nor everybody
# behind the proxy (the address is the real client's: see TRUSTED_PROXIES).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "metroplan.security.client_address"
AXES_LOCKOUT_CALLABLE = "metroplan.security.lockout_response"

# The proxies (addresses or networks) in front of the site: only a request from
# one of them has its X-Forwarded-For read for the client address
# (metroplan.security.client_address). Empty: the peer is the client.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])

# Languages: the network works in English, French and Spanish.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time format per language (metroplan/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["metroplan.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (evidence, reports): never served as a static path (no MEDIA_URL,
# no /media/ route); every download goes through metroplan.files.serve_file after
# the visibility rule. FILES_STORAGE=s3 puts them on S3-compatible object storage
# (django-storages); the default is the directory MEDIA_ROOT.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILES_STORAGE = env_choice("FILES_STORAGE", ("filesystem", "s3"), "filesystem")
# How a permitted download is delivered: stream (from Django), accel (nginx serves
# the file after an X-Accel-Redirect to PRIVATE_FILES_ACCEL_PREFIX) or redirect (to
# a signed URL valid PRIVATE_FILES_URL_EXPIRY seconds; S3 only, others stream).
PRIVATE_FILES_DELIVERY = env_choice(
    "PRIVATE_FILES_DELIVERY", ("stream", "accel", "redirect"), "redirect" if FILES_STORAGE == "s3" else "stream"
)
PRIVATE_FILES_ACCEL_PREFIX = env_str("PRIVATE_FILES_ACCEL_PREFIX", "/_private/")
PRIVATE_FILES_URL_EXPIRY = env_int("PRIVATE_FILES_URL_EXPIRY", 60)
if PRIVATE_FILES_DELIVERY == "accel" and FILES_STORAGE != "filesystem":
    raise ImproperlyConfigured("PRIVATE_FILES_DELIVERY=accel serves files from the file system, not FILES_STORAGE=s3")
if not PRIVATE_FILES_ACCEL_PREFIX.startswith("/"):
    raise ImproperlyConfigured(f"PRIVATE_FILES_ACCEL_PREFIX must start with /, got {PRIVATE_FILES_ACCEL_PREFIX!r}")
if PRIVATE_FILES_URL_EXPIRY < 1:
    raise ImproperlyConfigured(f"PRIVATE_FILES_URL_EXPIRY must be 1 second or more, got {PRIVATE_FILES_URL_EXPIRY}")
if FILES_STORAGE == "s3":
    S3_BUCKET = env_str("S3_BUCKET", "")
    if not S3_BUCKET:
        raise ImproperlyConfigured("FILES_STORAGE=s3 needs S3_BUCKET")
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # Empty: AWS itself; otherwise any S3-compatible service (MinIO, Ceph, Scaleway, OVH, ...).
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            # Empty: boto3's own chain (AWS_* variables, an instance or pod role).
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("S3_PREFIX", ""),
            "addressing_style": env_choice("S3_ADDRESSING_STYLE", ("auto", "path", "virtual"), "auto"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,  # URLs are signed and short-lived
            "signature_version": "s3v4",
            "querystring_expire": PRIVATE_FILES_URL_EXPIRY,
        },
    }
else:
    PRIVATE_STORAGE = {"BACKEND": "metroplan.files.PrivateFileSystemStorage"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "metroplan.static_storage.StaticFilesStorage"
        )
    },
}

# Cache: Redis when given, local memory otherwise. Redis away (stopped or frozen)
# must cost a request half a second, not 30: short socket timeouts, no retries.
# Nothing depends on the cache being there (throttling fails open, figures are
# recomputed); sessions live in the database (Django's default engine).
REDIS_URL = env_str("REDIS_URL")
REDIS_TIMEOUT = 0.5  # seconds
REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
    "retry_on_timeout": False,
    "health_check_interval": 30,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# E-mail. EMAIL_BACKEND names the backend that delivers: SMTP (the EMAIL_HOST... settings below; the
# default outside debugging), the console, or an API-based provider through django-anymail
# (e.g. anymail.backends.mailgun.EmailBackend) configured by ANYMAIL_* variables
# (ANYMAIL_MAILGUN_API_KEY=... becomes ANYMAIL["MAILGUN_API_KEY"]). Every message goes through
# metroplan.mail.MeteredEmailBackend, which hands it on and counts it for /metrics.
EMAIL_DELIVERY_BACKEND = env_backend(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_BACKEND = "metroplan.mail.MeteredEmailBackend"
ANYMAIL = env_prefixed("ANYMAIL_")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "metroplan <noreply@metroplan.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL (or CELERY_BROKER_URL) is set; otherwise a
# file-system broker under var/ that needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
# Publishing happens in requests (the outbox relay after commit): a broker that
# is away must fail it within about half a second, never hang it. (A worker reads
# through its event loop, so these timeouts do not cut its long polls short.)
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
    "max_retries": 0,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # exchange tables (celery.exchange, celery.pidbox.exchange): under var/, not
        # kombu's default `control/` in the working directory
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker whose broker goes away keeps trying to reconnect instead of exiting.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_IGNORE_RESULT = True  # state lives on our own rows (Report), not in a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Publishing must fail fast when the broker is down: the outbox keeps the work
# and the periodic relay publishes it later (metroplan.outbox).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY = False

# REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "members.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["metroplan.permissions.ApiAccess"],
    # DRF's parsers that also refuse NUL characters and too deep JSON (a 400).
    "DEFAULT_PARSER_CLASSES": [
        "metroplan.api.parsers.JSONParser",
        "metroplan.api.parsers.FormParser",
        "metroplan.api.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "metroplan.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "metroplan.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "metroplan.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "metroplan.api.throttling.TokenRateThrottle",
        "metroplan.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_THROTTLE_TOKEN", "2000/hour"),
        "anonymous": env_str("API_THROTTLE_ANON", "100/hour"),
        "failed_token": env_str("API_THROTTLE_FAILED_TOKEN", "20/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "metroplan API",
    "DESCRIPTION": "The Metropolis Strategic Action Plan: plan, members, approved progress and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # validatorUrl None: the docs never call the public Swagger validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # CSV operations for every list and an example in every operation (metroplan.api.schema.postprocess).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "metroplan.api.schema.postprocess"],
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "actions.models.Plan.Status",
        "ActionStatusEnum": "actions.models.Action.Status",
        "UpdateStateEnum": "reporting.models.ProgressUpdate.State",
        "ReportStateEnum": "reporting.models.Report.State",
        "ReportKindEnum": "reporting.models.Report.Kind",
    },
}

# Uploaded evidence
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_ALLOWED_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "docx", "xlsx", "csv", "txt"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Bodies are refused (413) from their Content-Length before anything reads them
# (metroplan.middleware.RequestSizeLimitMiddleware): a form or JSON body at most
# DATA_UPLOAD_MAX_MEMORY_SIZE, an upload (multipart) at most
# REQUEST_MAX_UPLOAD_BYTES (an evidence file and the form around it).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
REQUEST_MAX_UPLOAD_BYTES = env_int("REQUEST_MAX_UPLOAD_BYTES", EVIDENCE_MAX_BYTES + 1024 * 1024)

# /healthz: each check's deadline (seconds), and a token that shows a monitor
# the checks' details (staff see them anyway).
HEALTHZ_TIMEOUT = float(env_str("HEALTHZ_TIMEOUT", "0.8"))
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", "")

# A public, read-only view of the overview and approved progress (off by default).
PUBLIC_DASHBOARD = env_bool("PUBLIC_DASHBOARD", False)

# Sessions: staff sessions end after 8 hours (metroplan.security.shorten_staff_sessions,
# on login), others' after 3 days.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 3 * 24 * 3600)
STAFF_SESSION_AGE = env_int("STAFF_SESSION_AGE", 8 * 3600)

# The public site address, for links in e-mails (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

# Content Security Policy (django-csp): scripts, styles, images and connections
# from the site itself only; no inline script, handler or style sheet; no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Style attributes only (never <style> or a script): progress bars set their width inline.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Production hardening: only when not debugging. HTTPS is required: requests
# over plain HTTP are redirected and HSTS tells browsers to come back over
# HTTPS only, unless HTTPS_BY_PROXY says the TLS proxy in front does both (it
# then must: the deployment checks for them are silenced on that word). The
# proxy says a request came over HTTPS with X-Forwarded-Proto, which it must
# set itself (SECURE_PROXY_SSL_HEADER).
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    HTTPS_BY_PROXY = env_bool("HTTPS_BY_PROXY", False)
    SECURE_SSL_REDIRECT = not HTTPS_BY_PROXY and env_bool("SECURE_SSL_REDIRECT", True)
    # The container's own health check and Prometheus' scrapes on the inside network speak plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = 0 if HTTPS_BY_PROXY else env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if HTTPS_BY_PROXY:
        SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008"]

# Logs: one line per record on standard error, each with its request id
# (metroplan.logging). LOG_FORMAT=json (the default when DEBUG is off) or text.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))

# Errors to Sentry (web and worker) when SENTRY_DSN is set: metroplan/sentry.py, with the request
# id as a tag and no personal data in events.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from metroplan.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        release=env_str("SENTRY_RELEASE") or None,
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

# Prometheus metrics at /metrics (metroplan/metrics.py), for a scraper that sends
# `Authorization: Bearer <METRICS_TOKEN>` or comes from METRICS_ALLOWED_NETWORKS (the real client
# address, behind TRUSTED_PROXIES). With neither set, nobody reads them. Several processes (gunicorn
# workers, Celery) add up their counters through PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py).
if env_str("PROMETHEUS_MULTIPROC_DIR"):
    if not Path(env_str("PROMETHEUS_MULTIPROC_DIR")).is_dir():
        raise ImproperlyConfigured(
            f"PROMETHEUS_MULTIPROC_DIR must be an existing folder, got {env_str('PROMETHEUS_MULTIPROC_DIR')!r}"
        )
    # Each process's file is named by host and process id: web and worker containers sharing the
    # directory have process ids of their own that may be equal. (Before any metric is made.)
    import os
    import socket

    from prometheus_client import values

    values.ValueClass = values.MultiProcessValue(lambda: f"{socket.gethostname()}-{os.getpid()}")
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", [])

# Webhooks (metroplan.webhooks): receivers at loopback, private or reserved
# addresses are refused unless their network is listed here (e.g. 10.0.0.0/8
# for a receiver inside the same private network).
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS", [])
# A failed delivery is tried again after 30 s, then doubling up to 2 h apart, for a day.
WEBHOOK_FIRST_RETRY_SECONDS = env_int("WEBHOOK_FIRST_RETRY_SECONDS", 30)
WEBHOOK_MAX_RETRY_SECONDS = env_int("WEBHOOK_MAX_RETRY_SECONDS", 2 * 60 * 60)
WEBHOOK_RETRY_FOR_SECONDS = env_int("WEBHOOK_RETRY_FOR_SECONDS", 24 * 60 * 60)
PROMETHEUS_LATENCY_BUCKETS = (.01, .025, .05, .075, .1, .25, .5, .75, 1.0, 2.5, 5.0, 10.0, 30.0, float("inf"))

# Computed status of an action (reporting/figures/rules.py computed_status): on track when
# its indicators' actual values have come at least this share of the way from the baseline to
# the period's target; at risk from the second share (or below it while the trend still reaches
# the end target); off track otherwise.
FIGURES_STATUS_ON_TRACK = 0.9
FIGURES_STATUS_AT_RISK = 0.6
