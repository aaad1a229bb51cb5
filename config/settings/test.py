"""Settings for the test suite: PostgreSQL from DATABASE_URL (set by `make test`)."""

from __future__ import annotations

from pathlib import Path

from .base import *  # noqa: F403
from .env import env_bool, env_str

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The Celery integration test starts a real worker with CELERY_TASK_ALWAYS_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if env_str("TEST_MEDIA_ROOT", ""):  # a real worker process must read the files the test stored
    STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    MEDIA_ROOT = Path(env_str("TEST_MEDIA_ROOT"))
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The alias of a database replica, on the test database itself (Django's test mirror): no
# query goes there unless a test installs the router (tests/safeguards/test_replica.py);
# a real DATABASE_REPLICA_URL is never used by the tests.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_ROUTERS = []
# Tests log in with force_login; tests/registry/test_two_factor.py turns two-factor on.
STAFF_OTP_REQUIRED = False
