"""Production settings: PostgreSQL, Redis, HTTPS. Every secret comes from the environment."""

from __future__ import annotations

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Staff sign in with a password and a TOTP code (safeguards/otp.py); the deploy check
# warns if this is turned off.
STAFF_OTP_REQUIRED = env_bool("STAFF_OTP_REQUIRED", True)

# Required, never the development defaults of base.py (the deploy check refuses those).
PERSONAL_DATA_KEYS = [k for k in env_str("PERSONAL_DATA_KEYS").split(",") if k]
PERSONAL_DATA_HASH_KEY = env_str("PERSONAL_DATA_HASH_KEY")
INTEGRITY_KEY = env_str("INTEGRITY_KEY")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
