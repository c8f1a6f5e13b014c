"""All configuration, read from environment variables through helpers that fail loudly."""

from __future__ import annotations

import os
import secrets
import zoneinfo
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def envzone(name: str, default: str) -> str:
    """A time zone's IANA name (Africa/Nairobi), checked against the zone database."""
    raw = os.environ.get(name, default).strip()
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as Africa/Nairobi or UTC, not {raw!r}."
        ) from None
    return raw


def healthcamp_home() -> Path:
    home = Path(os.environ.get("HEALTHCAMP_HOME", "./.healthcamp")).resolve()
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def secret_from_file(path: Path) -> str:
    """Read a secret, creating it with mode 0600 on first run (never world-readable)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if len(value) < 32:
            raise ImproperlyConfigured(
                f"The key file {path} is shorter than 32 characters; delete it to create a new one."
            ) from None
        return value
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value


HOME = healthcamp_home()

SECRET_KEY = os.environ.get("HEALTHCAMP_SECRET_KEY") or secret_from_file(HOME / "secret_key")
DEBUG = envbool("HEALTHCAMP_DEBUG", "false")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("HEALTHCAMP_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "healthcamp.registry",
    "healthcamp.audit",
    "healthcamp.consent",
    "healthcamp.exams",
    "healthcamp.access",
    "healthcamp.services",
    "healthcamp.reports",
    "healthcamp.imports",
    "healthcamp.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "healthcamp.web.nostore.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware (the browser's language) and log-in: the member's own choice.
    "healthcamp.web.staff_language.StaffLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "healthcamp.urls"
WSGI_APPLICATION = "healthcamp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def database_config() -> dict[str, Any]:
    url = os.environ.get("HEALTHCAMP_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{HOME / 'healthcamp.sqlite3'}"
    scheme = url.split(":", 1)[0]
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"HEALTHCAMP_DATABASE_URL must start with sqlite:// or postgresql://, not {scheme}://."
        )
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=envint("HEALTHCAMP_DB_CONN_MAX_AGE", 60))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # IMMEDIATE: a writer takes the lock at BEGIN, so audit appends never
            # fail half-way with "database is locked" on lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                # Deleted rows (an erased participant's wrapped key) are overwritten, not freed.
                "PRAGMA secure_delete=ON;"
            ),
        }
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:desk"
LOGOUT_REDIRECT_URL = "web:login"

AXES_FAILURE_LIMIT = envint("HEALTHCAMP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# Behind one trusted reverse proxy: the header it sets with the client's address (e.g.
# X-Forwarded-For; its last entry is the one the proxy appended). Empty: REMOTE_ADDR.
CLIENT_ADDRESS_HEADER = os.environ.get("HEALTHCAMP_CLIENT_ADDRESS_HEADER", "")

# Distinct records one staff member may open by id for registration (no card, no consented
# purpose) per hour; more is refused and stands out in the audit log. 0: no limit.
IDENTITY_READS_PER_HOUR = envint("HEALTHCAMP_IDENTITY_READS_PER_HOUR", 100)

# Staff web log-in asks for a code from an authenticator app after the password (TOTP).
STAFF_TWO_FACTOR = envbool("HEALTHCAMP_STAFF_2FA", "true")
OTP_TOTP_ISSUER = "healthcamp"

# API tokens expire this many days after they are made (0: never).
API_TOKEN_DAYS = envint("HEALTHCAMP_TOKEN_DAYS", 90)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day at a station
SESSION_COOKIE_SECURE = envbool("HEALTHCAMP_SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind HTTPS, browsers are told to use nothing else for a year.
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if SESSION_COOKIE_SECURE else 0
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Nothing leaves for other sites; same-origin keeps the Origin header that CSRF checks
# need on plain (non-htmx) form posts such as the portal's.
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# A request body larger than this is refused before it is parsed (HTTP 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

LANGUAGE_CODE = "en"
# The languages healthcamp speaks: each has a full catalogue in locale/ (pages, letters,
# cards, the portal) and the measures' names in the clinical catalogue. Registration offers
# these; README lists each one's medical review.
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("ug", "ئۇيغۇرچە"),
    ("es", "Español"),
    ("fr", "Français"),
    ("sw", "Kiswahili"),
    ("hi", "हिन्दी"),
    ("zh-hans", "简体中文"),
    ("ru", "Русский"),
]
USE_I18N = True
# The words of every page, letter and card: locale/<lang>/LC_MESSAGES/django.po, compiled to
# .mo by `healthcamp compilemessages` (./run does it). A language here has a full catalogue.
LOCALE_PATHS = [BASE_DIR.parent / "locale"]
# The sites' own zone: it decides what "today" is (a station's visit of today, the days a
# participant's log folds by). Times are stored in UTC whatever it is.
TIME_ZONE = envzone("HEALTHCAMP_TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # served straight from the apps: no collectstatic step

# Where the newest audit head is mirrored outside the database (see README).
AUDIT_HEAD_FILE = HOME / "audit-head"
# Where `audit verify` remembers how far it checked, to check only new entries next time.
AUDIT_VERIFIED_FILE = HOME / "audit-verified"
# ... and re-checks as many old entries as were new (at least this many), so edits among
# them surface in turn.
AUDIT_VERIFY_SCRUB = envint("HEALTHCAMP_AUDIT_VERIFY_SCRUB", 10_000)
# A full verification hashes the signed part of a long log in this many processes.
AUDIT_VERIFY_WORKERS = envint("HEALTHCAMP_AUDIT_VERIFY_WORKERS", os.cpu_count() or 1)
AUDIT_VERIFY_PARALLEL_FROM = envint("HEALTHCAMP_AUDIT_VERIFY_PARALLEL_FROM", 200_000)
AUDIT_CHECKPOINT_FILE = HOME / "audit-checkpoint"
# Each witness's newest cosignature, outside the database (audit/witness.py).
AUDIT_COSIGNED_FILE = HOME / "audit-cosigned.json"
# The audit log's signed checkpoints (audit/tree.py): its name in every checkpoint (a
# programme sets its own, e.g. "riverside.example.org/audit"), and how often one is signed.
AUDIT_ORIGIN = os.environ.get("HEALTHCAMP_AUDIT_ORIGIN", "healthcamp.local/audit")
AUDIT_CHECKPOINT_EVERY = envint("HEALTHCAMP_AUDIT_CHECKPOINT_EVERY", 1000)
AUDIT_CHECKPOINT_SECONDS = envint("HEALTHCAMP_AUDIT_CHECKPOINT_SECONDS", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HEALTHCAMP_LOG_LEVEL", "WARNING")},
}
