"""Settings shared by every environment. Everything that differs comes from env vars."""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "registry.admin_apps.CareAdminConfig",  # django.contrib.admin, its home page the workbench
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "csp",
    "axes",
    # Two-factor login for staff (TOTP); required by STAFF_OTP_REQUIRED (production).
    "django_otp",
    "safeguards.otp_apps.TwoFactorConfig",  # django_otp.plugins.otp_totp, with translated names
    "safeguards.otp_apps.BackupCodesConfig",  # django_otp.plugins.otp_static: one-time backup codes
    "safeguards",
    "registry",
    "subsidies",
    "inspections",
    "indicators",
    "childcare",
    "concerns",
    "portal",
    # Demo and scale data (seed_demo, generate_scale_data): depends on every app above.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Which reads of a request may go to the database replica, if there is one.
    "safeguards.replica.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After the language is chosen (the 400 page is translated), before any admin view.
    "safeguards.security.BackOfficeQueryStringMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "safeguards.security.BackOfficeNoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "safeguards.sessions.AbsoluteSessionLimitMiddleware",
    # Two-factor first: a staff user proves the second factor before anything else,
    # even before changing an expired password.
    "safeguards.otp.StaffOTPRequiredMiddleware",
    "safeguards.passwords.PasswordExpiryMiddleware",
    "safeguards.audit.AuditMiddleware",
    # Last, as django-axes asks: locks out after repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after 5 failures for 30 minutes, counted per username and per IP address
# separately. Behind a proxy set NUM_PROXIES (see docs/security.md).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address, as the public rate limit sees it: behind NUM_PROXIES proxies the
# entry they appended to X-Forwarded-For, else REMOTE_ADDR (never a client-chosen value).
AXES_CLIENT_IP_CALLABLE = "safeguards.ratelimit.client_ip"

# Two-factor login (safeguards/otp.py): when STAFF_OTP_REQUIRED, every back-office page
# asks a signed-in user for a TOTP code first (enrolment on first use). On in production
# settings; off by default elsewhere, so that the demo logs in with a password alone.
STAFF_OTP_REQUIRED = env_bool("STAFF_OTP_REQUIRED", False)
# Wrong codes are throttled: after n failures the next try waits 2^(n-1) seconds.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Care provider registry")
# The admin never shows a device's secret key or its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "inspections.context_processors.inbox",
            ],
        },
    },
]

# The quick start uses an embedded SQLite file; production and the test suite use
# PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A streaming replica (PostgreSQL, docs/deploy.md "Growing past one machine"): public
# pages, open data and exports read from it (safeguards/replica.py), as long as it is
# reachable and at most REPLICA_MAX_LAG_SECONDS behind; otherwise, and for everything
# else, reads go to the primary. Writes and migrations never go to it. Empty: no replica.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 10)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # A replica that does not answer costs a page two seconds once; then reads go to the primary.
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["replica"].get("OPTIONS", {}), "connect_timeout": 2}
    DATABASE_ROUTERS = ["safeguards.replica.ReplicaRouter"]
# The pages (URL names) that may read the replica, with GET or HEAD: what the public sees
# may be a few seconds old. Not the concern form, its "sent" page and the lookup: a citizen
# reads there what they have just written.
REPLICA_READ_VIEWS = frozenset(
    {
        "home",
        "robots_txt",
        "provider_list",
        "provider_detail",
        "providers_csv",
        "providers_table_csv",
        "api_docs",
        "providers_api",
        "provider_api",
        "openapi_json",
        "hsds_download",
        "django.contrib.sitemaps.views.sitemap",
        "public_inspections",
        "public_inspection",
        "public_draw",
        "public_draw_inputs",
        "public_subsidies",
        "concern_statistics",
    }
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# In production, migrations run as the database's owner role and the application connects
# as another role with data privileges only; after each migrate the owner grants them to
# DATABASE_APP_ROLE (safeguards/db_privileges.py, docs/deploy.md). Empty: nothing is granted.
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "")

AUTH_USER_MODEL = "registry.User"
LOGIN_URL = "admin:login"
# Where a sign-in lands when ?next= is missing or unsafe (another host, //evil.example):
# the workbench, not Django's default /accounts/profile/, which does not exist here.
LOGIN_REDIRECT_URL = "admin:index"
# One-time links to set a password (new accounts, resets) work for 24 hours, once.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)

# MLPS 2.0 level 3: at least 10 characters, 3 of 4 character classes, not like the user
# name, not a common password, not one of the last PASSWORD_HISTORY; staff passwords
# expire after 90 days.
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "safeguards.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "safeguards.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "safeguards.passwords.PasswordHistoryValidator", "OPTIONS": {"remember": PASSWORD_HISTORY}},
]
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)

# ID numbers at rest (safeguards/crypto.py): Fernet keys, comma-separated, the first encrypts
# and all decrypt (rotation); an HMAC key for lookups. The defaults are published
# development keys; production settings require real ones (docs/deploy.md).
PERSONAL_DATA_KEYS = [
    k for k in env_str("PERSONAL_DATA_KEYS", "oKihnQHYOBti1auQ679ax-KF9WK53MbUvdHtYfKS9L4=").split(",") if k.strip()
]
PERSONAL_DATA_HASH_KEY = env_str("PERSONAL_DATA_HASH_KEY", "development-only-hash-key-do-not-use-in-production")

# Tamper evidence (safeguards/integrity.py): the audit log's hash chain and the backup's
# signed facts file. Kept apart from the database (a file of its own in production).
INTEGRITY_KEY = env_str("INTEGRITY_KEY", "development-only-integrity-key-do-not-use-in-production")

# Internationalisation: English source strings, Chinese by default. The public pages are
# also in Mongolian in the traditional script under /mn/ (docs/mongolian.md); the back
# office and the portal are Chinese and English only (/mn/admin/ and /mn/portal/ redirect
# to the Chinese pages, config/urls.py).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
    ("mn", _("Mongolian (traditional script)")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django knows "mn" as Mongolian in Cyrillic (Монгол): the language switcher names ours in
# its own script. Our catalogue (LOCALE_PATHS) wins over Django's Cyrillic one, so every
# Django message a public page can show is in it too (registry/django_messages.py).
LANG_INFO["mn"] = {
    "bidi": False,
    "code": "mn",
    "name": "Mongolian (traditional script)",
    "name_local": "ᠮᠣᠩᠭᠣᠯ",
}
# Dates and numbers of the mn pages (config/formats/mn/formats.py): figures only, never
# Django's Cyrillic month names.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Celery: JSON only, time limits on every task, schedules kept in the database so that
# clerks can see and change them (django-celery-beat).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis down: a page gives up publishing within about a second (the task is then kept in
# the database, safeguards/deferred.py); an unacknowledged task of a killed worker is
# delivered again after the visibility timeout, which must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "socket_connect_timeout": 2,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60),
    # How often workers look for such orphaned tasks: every interval × throttle seconds.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

# Every periodic task, in one place. django-celery-beat copies these into the database,
# where staff can see them (and pause them) in the admin.
CELERY_BEAT_SCHEDULE = {
    "subsidies: monthly runs for last month": {
        "task": "subsidies.tasks.refresh_monthly_runs",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
    },
    "subsidies: yearly instalment review": {
        "task": "subsidies.tasks.review_instalments",
        "schedule": crontab(minute=0, hour=2, day_of_month=2, month_of_year=1),
    },
    "inspections: plan tasks": {
        "task": "inspections.tasks.plan_inspection_tasks",
        "schedule": crontab(minute=0, hour=1),
    },
    "inspections: daily reminders": {
        "task": "inspections.tasks.send_daily_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
    "subsidies: recoveries for closed providers": {
        "task": "subsidies.tasks.recover_from_closures",
        "schedule": crontab(minute=15, hour=2),
    },
    "registry: verify the audit log's hash chain": {
        "task": "registry.tasks.verify_audit_chain",
        "schedule": crontab(minute=40, hour=3),
    },
    "indicators: snapshots of last month": {
        "task": "indicators.tasks.take_monthly_snapshots",
        "schedule": crontab(minute=0, hour=4, day_of_month=1),
    },
    "portal: purge rejected and abandoned uploads": {
        "task": "portal.tasks.purge_stale_uploads",
        "schedule": crontab(minute=30, hour=3),
    },
    "registry: purge the files of rejected and abandoned roster uploads": {
        "task": "registry.tasks.purge_stale_roster_files",
        "schedule": crontab(minute=35, hour=3),
    },
    "concerns: delete the contacts of concerns closed long ago": {
        "task": "concerns.tasks.delete_old_contacts",
        "schedule": crontab(minute=45, hour=3),
    },
    "concerns: daily reminders of replies due": {
        "task": "concerns.tasks.send_concern_reminders",
        "schedule": crontab(minute=10, hour=7),
    },
    "registry: the grade in force today (grades expired or starting)": {
        "task": "registry.tasks.sync_current_grades",
        "schedule": crontab(minute=5, hour=0),
    },
    "registry: send tasks deferred while Redis was down": {
        "task": "registry.tasks.send_deferred_tasks",
        "schedule": crontab(minute="*/5"),
    },
}

# Reminder digests: console in development, SMTP in production (settings/prod.py).
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "registry@localhost")
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
# Providers and the district are reminded of a licence or insurance policy this many days
# before it expires (a decision of ours: the policy texts set no period).
LICENCE_WARNING_DAYS = env_int("LICENCE_WARNING_DAYS", 30)

# Annual financial reports of government-run and non-profit providers are due by this
# (month, day) of the following year (000:533-540).
ANNUAL_REPORT_DUE = (3, 31)

# Credit disclosure (双公示, 000:589-593; 002:245-247): how long an administrative penalty
# stays published, at least and at most, in years. The seeds set no period; these are the
# national rule for 信用中国 (ordinary penalties: at least one year, at most three). A
# penalty recorded without an end of publication is published for the most.
CREDIT_PENALTY_PUBLICATION_YEARS = (
    env_int("CREDIT_PENALTY_PUBLICATION_MIN_YEARS", 1),
    env_int("CREDIT_PENALTY_PUBLICATION_MAX_YEARS", 3),
)

# The provider portal (issue 18, docs/portal.md).
# A provider's own count of its vacancies is shown as out of date after this many days.
REPORTED_VACANCIES_STALE_DAYS = env_int("REPORTED_VACANCIES_STALE_DAYS", 45)
# An invitation to open a provider account works once, for this long.
PORTAL_INVITATION_TTL = datetime.timedelta(days=env_int("PORTAL_INVITATION_DAYS", 7))
# Provider users prove a second factor too (an authenticator app), as staff do.
PORTAL_OTP_REQUIRED = env_bool("PORTAL_OTP_REQUIRED", False)
# What a provider may upload: the largest file, and the largest image (pixels) decoded.
PORTAL_UPLOAD_MAX_BYTES = env_int("PORTAL_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
PORTAL_IMAGE_MAX_PIXELS = env_int("PORTAL_IMAGE_MAX_PIXELS", 40_000_000)
# The portal's address in the links invitations send (the public site's, behind nginx).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# Rejected and abandoned uploads are deleted this many days after they were uploaded
# (docs/security.md, "Retention"): roster files never imported (registry/rosters/retention.py)
# and portal files on no submission, or only on drafts and returned ones left that long
# (portal/retention.py); nightly from beat, audited.
UPLOAD_RETENTION_DAYS = env_int("UPLOAD_RETENTION_DAYS", 30)

# Concerns and complaints from citizens (issue 19, the concerns app). The reply is due this
# many calendar days after receipt (no period in the seeds; three weeks, about the 15
# working days public hotlines promise: concerns/deadlines.py says why calendar days).
CONCERN_RESPONSE_DAYS = env_int("CONCERN_RESPONSE_DAYS", 21)
# The clerks are reminded daily from this many days before a concern's reply is due.
CONCERN_DUE_SOON_DAYS = env_int("CONCERN_DUE_SOON_DAYS", 3)
# Per IP: concerns sent per CONCERN_RATE_WINDOW seconds (stricter than browsing), and
# reference lookups per the same window.
CONCERN_RATE_LIMIT = env_int("CONCERN_RATE_LIMIT", 5)
CONCERN_LOOKUP_RATE_LIMIT = env_int("CONCERN_LOOKUP_RATE_LIMIT", 20)
CONCERN_RATE_WINDOW = env_int("CONCERN_RATE_WINDOW", 3600)
# A form sent sooner than this after the page was shown is a robot's: it looks sent, and
# nothing is stored (as with a filled honeypot field). A form older than
# CONCERN_FORM_MAX_AGE seconds is shown again to be sent once more.
CONCERN_MIN_FILL_SECONDS = env_int("CONCERN_MIN_FILL_SECONDS", 3)
CONCERN_FORM_MAX_AGE = env_int("CONCERN_FORM_MAX_AGE", 24 * 3600)
# The contact a citizen left is deleted this many days after the concern was closed
# (concerns/retention.py; nightly from beat, audited). No period in the seeds: a year covers
# a citizen's follow-up questions, an administrative reconsideration (60 days) and a lawsuit
# (six months) about the outcome, for which the clerk may need to reach them.
CONCERN_CONTACT_RETENTION_DAYS = env_int("CONCERN_CONTACT_RETENTION_DAYS", 365)

# The audit log keeps at least this many days (MLPS 2.0 level 3: six months).
AUDIT_MIN_RETENTION_DAYS = 180

# Roster uploads: size limits checked before any parsing (zip bombs are refused quickly);
# files with more rows than ROSTER_BACKGROUND_ROWS are imported by a Celery task.
ROSTER_MAX_UPLOAD_BYTES = env_int("ROSTER_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
ROSTER_MAX_UNCOMPRESSED_BYTES = env_int("ROSTER_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
ROSTER_MAX_ZIP_ENTRIES = env_int("ROSTER_MAX_ZIP_ENTRIES", 1000)
ROSTER_BACKGROUND_ROWS = env_int("ROSTER_BACKGROUND_ROWS", 2000)
# What one upload may make the reader hold or do (issue 23): a zip member above 1 MB may
# expand at most this many times (our own and Excel's sheets expand 10 to 15 times); a
# table at most this many rows (a 20 MB upload holds fewer), which a sheet's declared
# dimension may not exceed either; the shared strings of a workbook at most this much memory.
ROSTER_MAX_ZIP_RATIO = env_int("ROSTER_MAX_ZIP_RATIO", 100)
ROSTER_MAX_ROWS = env_int("ROSTER_MAX_ROWS", 500_000)
ROSTER_MAX_SHARED_STRINGS_BYTES = env_int("ROSTER_MAX_SHARED_STRINGS_BYTES", 64 * 1024 * 1024)

# Public open data: requests per IP and window (seconds); proxies that append to
# X-Forwarded-For in front of the app (0: use REMOTE_ADDR).
PUBLIC_RATE_LIMIT = env_int("PUBLIC_RATE_LIMIT", 60)
PUBLIC_RATE_WINDOW = env_int("PUBLIC_RATE_WINDOW", 60)
NUM_PROXIES = env_int("NUM_PROXIES", 0)
# A Redis that stops answering fails a request's cache call within a second, and the page
# is computed from the database (registry/public_cache.py), instead of waiting forever.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_CACHE_URL"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if env_str("REDIS_CACHE_URL", "")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Public pages and open data (anonymous GET answers) are kept this many seconds in that
# cache, under a data version that every change to them bumps (registry/public_cache.py,
# docs/public-register.md "Caching"); 0 turns the cache off.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 600)

SESSION_COOKIE_HTTPONLY = True
# Idle timeout 15 minutes (renewed by every request), absolute lifetime 8 hours.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy: our own scripts, styles and images only (no CDN, no inline
# scripts); inline style attributes are allowed because the Django admin uses them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploaded evidence and rosters are limited in size (bytes).
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
