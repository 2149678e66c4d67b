"""Minsheng settings.

Every deployment setting comes from an environment variable named ``MINSHENG_*``; each one is
listed in ``docs/operations.md``. Nothing secret is committed. Policy numbers never live here
(they belong in ``policy/``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- Core -----------------------------------------------------------------------------------

DEBUG = env_bool("MINSHENG_DEBUG", False)
TESTING = env_bool("MINSHENG_TESTING", False)

SECRET_KEY = env_str("MINSHENG_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-not-for-production-use-0123456789abcdef"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "MINSHENG_SECRET_KEY is required unless MINSHENG_DEBUG=1 (see docs/operations.md)"
        )

ALLOWED_HOSTS = env_list(
    "MINSHENG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or TESTING) else []
)
CSRF_TRUSTED_ORIGINS = env_list("MINSHENG_CSRF_TRUSTED_ORIGINS", [])

VAR_DIR = Path(env_str("MINSHENG_VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the bundled Swagger UI locally (no CDN)
    "django_tasks",
    "django_tasks_db",
    "minsheng.core",
    "minsheng.regions",
    "minsheng.registry",
    "minsheng.policy",
    "minsheng.monitoring",
    "minsheng.assistance",
    "minsheng.departments",
    "minsheng.employment",
    "minsheng.employment.training",
    "minsheng.employment.publicposts",
    "minsheng.employment.stats",
    "minsheng.web",
]

MIDDLEWARE = [
    "minsheng.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "minsheng.core.middleware.ActiveAccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "minsheng.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "minsheng.urls"
WSGI_APPLICATION = "minsheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minsheng.web.context.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# MINSHENG_DATABASE_URL: e.g. postgres://user:pass@host:5432/minsheng. Default: SQLite in var/.
# MINSHENG_TEST_DATABASE_URL: when set, the test suite runs against it instead of SQLite.

_default_sqlite = f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}"
_db_url = env_str("MINSHENG_DATABASE_URL", _default_sqlite)
if TESTING and env_str("MINSHENG_TEST_DATABASE_URL"):
    _db_url = env_str("MINSHENG_TEST_DATABASE_URL")

DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE avoids lock upgrades.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    if not TESTING:
        VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, sessions, login security -----------------------------------------------------

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["minsheng.core.auth.RoleBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

# Consecutive failed logins before the account is locked, and for how long.
LOGIN_MAX_FAILURES = env_int("MINSHENG_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("MINSHENG_LOGIN_LOCKOUT_MINUTES", 30, minimum=1)

# Idle timeout: the session expires this many minutes after the last request.
SESSION_IDLE_MINUTES = env_int("MINSHENG_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

PASSWORD_MIN_LENGTH = env_int("MINSHENG_PASSWORD_MIN_LENGTH", 10, minimum=8)
PASSWORD_MIN_CHARACTER_CLASSES = env_int("MINSHENG_PASSWORD_MIN_CLASSES", 3, minimum=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "minsheng.core.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Production hardening (active whenever DEBUG is off) ------------------------------------

SECURE_SSL_REDIRECT = env_bool("MINSHENG_SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = env_bool("MINSHENG_SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("MINSHENG_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("MINSHENG_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("MINSHENG_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Locale ---------------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (all vendored; no CDN) ----------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("MINSHENG_STATIC_ROOT", str(VAR_DIR / "static")))

# --- Uploaded files, cache, background tasks -----------------------------------------------

MEDIA_ROOT = Path(env_str("MINSHENG_MEDIA_ROOT", str(VAR_DIR / "media")))
# The TrueType font embedded in printable notices (core/pdf.py); Debian: fonts-wqy-zenhei.
MINSHENG_PDF_FONT = env_str("MINSHENG_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
MEDIA_URL = "/media/"  # never served publicly: uploads are read only through views
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# The cache carries import progress between the worker and the web process. The default file
# cache works for one server; point MINSHENG_REDIS_URL at Redis when there are several.
_redis_url = env_str("MINSHENG_REDIS_URL")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif _redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": _redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}

# Background tasks (django-tasks): "database" queues them for `minsheng db_worker`;
# "immediate" runs them inline (tests, or a one-process installation without a worker).
_task_backend = env_str("MINSHENG_TASK_BACKEND", "immediate" if TESTING else "database")
if _task_backend not in {"database", "immediate"}:
    raise ImproperlyConfigured("MINSHENG_TASK_BACKEND must be 'database' or 'immediate'")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend" if _task_backend == "database"
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("MINSHENG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Minsheng -------------------------------------------------------------------------------

# The demo province whose regions ship with the code (湖南省, NBS 2023).
DEMO_PROVINCE_CODE = "43"
# Page size of list pages.
PAGE_SIZE = env_int("MINSHENG_PAGE_SIZE", 50, minimum=10)
