"""Django settings, driven entirely by :mod:`zhengyi.config`."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url

from zhengyi.config import PROJECT_ROOT, env

ENV = env()
BASE_DIR = PROJECT_ROOT
DATA_DIR: Path = ENV.data_dir
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use the configured key, else one generated once and kept in the data folder."""
    if ENV.secret_key:
        return ENV.secret_key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = ENV.debug
ALLOWED_HOSTS = [h.strip() for h in ENV.allowed_hosts.split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in ENV.csrf_trusted_origins.split(",") if o.strip()]
# The command board's stream server (see zhengyi/config.py and docs/production.md).
STREAM_URL = ENV.stream_url.rstrip("/") or ("/" if ENV.stream_url else "")
STREAM_PORT = ENV.stream_port
STREAM_ALLOWED_ORIGINS = [o.strip().rstrip("/") for o in ENV.stream_origins.split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "zhengyi.core",
    "zhengyi.precinct",
    "zhengyi.alerts",
    "zhengyi.ledger",
    "zhengyi.alliances",
    "zhengyi.cases",
    "zhengyi.sunshine",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhengyi.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhengyi.core.middleware.SecurityHeadersMiddleware",
]

# API calls with a bearer token (the upstream 110 system) take this chain instead: no session,
# cookies, CSRF, messages or static files to handle (zhengyi/core/handlers.py).
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zhengyi.core.middleware.RequestContextMiddleware",
    "zhengyi.core.middleware.ApiLocaleMiddleware",
    "zhengyi.core.middleware.SecurityHeadersMiddleware",
]

# A visitor's plain GET of a page the sunshine page store serves takes this chain (handlers.py):
# the same headers and log line as MIDDLEWARE gives it, without what such a page never uses.
PAGE_STORE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zhengyi.core.middleware.RequestContextMiddleware",
    "zhengyi.core.middleware.ApiLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhengyi.core.middleware.SecurityHeadersMiddleware",
]

# ZHENGYI_PUBLIC_ONLY: the public portal alone (zhengyi/urls_public.py; docs/sunshine.md).
PUBLIC_ONLY = ENV.public_only
ROOT_URLCONF = "zhengyi.urls_public" if PUBLIC_ONLY else "zhengyi.urls"
# (method, path) → a view that answers a token call inside API_MIDDLEWARE, or returns None to
# leave it to the URL resolver (zhengyi/core/handlers.py). The public portal has no such route.
API_DIRECT_VIEWS: dict[tuple[str, str], str] = (
    {} if PUBLIC_ONLY else {("POST", "/api/alerts"): "zhengyi.alerts.api.create_alert_direct"}
)
SUNSHINE_SMALL_COUNT = ENV.sunshine_small_count
SUNSHINE_LOOKUP_LIMIT = ENV.sunshine_lookup_limit
SUNSHINE_LOOKUP_WINDOW = ENV.sunshine_lookup_window_s
SUNSHINE_PAGE_STORE = ENV.sunshine_page_store
WSGI_APPLICATION = "zhengyi.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_ROOT / "zhengyi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengyi.core.context.navigation",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    if ENV.database_url:
        return {"default": dj_database_url.parse(ENV.database_url, conn_max_age=60, conn_health_checks=True)}
    return {
        "default": {
            # Django's SQLite backend with in-process writers queued (see its docstring).
            "ENGINE": "zhengyi.core.db_sqlite",
            "NAME": DATA_DIR / "zhengyi.sqlite3",
            # Each request thread keeps its connection: opening one (and running the PRAGMAs
            # below) cost more than a whole alert intake.
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of failing mid-way.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not memory, so tests of concurrent writers use real connections and locks.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }


DATABASES = _databases()
INTAKE_WRITER = ENV.intake_writer or (
    "process" if DATABASES["default"]["ENGINE"] == "zhengyi.core.db_sqlite" else "thread"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_MAX_FAILURES = ENV.login_max_failures
LOGIN_LOCKOUT_MINUTES = ENV.login_lockout_minutes
ALLOW_DEMO_ACCOUNTS = ENV.allow_demo_accounts

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PROJECT_ROOT / "zhengyi" / "locale"]
TIME_ZONE = ENV.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PROJECT_ROOT / "zhengyi" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the finders too, so tests and a fresh checkout work before collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_SECURE = ENV.secure_cookies
CSRF_COOKIE_SECURE = ENV.secure_cookies
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The ledger (docs/ledger.md): its signing key and state files live outside the database.
LEDGER_DIR = DATA_DIR
LEDGER_ORIGIN = ENV.ledger_origin
LEDGER_ROLE = ENV.ledger_role
LEDGER_CHECKPOINT = ENV.ledger_checkpoint
LEDGER_CHECKPOINT_DELAY = ENV.ledger_checkpoint_delay_ms / 1000
LEDGER_WITNESSES_REQUIRED = ENV.ledger_witnesses_required
LEDGER_LOG_KEYS = [k.strip() for k in ENV.ledger_log_keys.split(",") if k.strip()]

SHARED_DATA_DIR = ENV.shared_data or (PROJECT_ROOT.parent / "shared" / "data")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "zhengyi.core.logging.JsonFormatter"},
        "text": {
            "()": "zhengyi.core.logging.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "filters": {"context": {"()": "zhengyi.core.logging.RequestContextFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": ENV.log_format, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": ENV.log_level},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "zhengyi.core.views.csrf_failure"
