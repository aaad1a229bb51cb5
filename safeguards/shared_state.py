"""What web instances must share, and the deployment check that says when they do not.

With two gunicorn instances behind nginx (docs/deploy.md, "Growing past one machine") a
client's next request may reach the other instance, and two workers of one instance are
two processes already. So every piece of state that decides about a client lives in the
database or in Redis, never in a process:

- sessions: in the database (Django's ``db`` engine), read from the primary
  (``safeguards.replica``);
- the sign-in lockout: django-axes' database handler (failed attempts in
  ``axes_accessattempt``), and the second factor's throttle on the device row;
- the public rate limits (``safeguards.ratelimit``): in the cache, which is Redis when
  ``REDIS_CACHE_URL`` is set;
- CSRF tokens and the concern form's fill time: in cookies and signed with ``SECRET_KEY``,
  which every instance must share.

``check --deploy`` warns (``registry.W203``) when one of them would be per process: a
local-memory or dummy cache, or sessions or the lockout kept in such a cache or in files.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

PER_PROCESS_CACHES = frozenset(
    {"django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"}
)
CACHE_SESSIONS = frozenset({"django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.cached_db"})
FILE_SESSIONS = "django.contrib.sessions.backends.file"
CACHE_LOCKOUT = "axes.handlers.cache.AxesCacheHandler"
HINT = 'Set REDIS_CACHE_URL (docs/deploy.md, section 1 and "Growing past one machine").'


def per_process_state() -> list[str]:
    """What the settings keep per process (or per machine) that every instance must share."""
    cache = str(settings.CACHES["default"]["BACKEND"])
    local_cache = cache in PER_PROCESS_CACHES
    found = []
    if local_cache:
        backend = cache.rsplit(".", 1)[-1]
        found.append(f"The cache is per process ({backend}): each process counts the public rate limits")
    engine = settings.SESSION_ENGINE
    if engine == FILE_SESSIONS or (engine in CACHE_SESSIONS and local_cache):
        found.append(f"Sessions are kept per process or per machine ({engine}): a sign-in holds on one instance only")
    if getattr(settings, "AXES_HANDLER", "") == CACHE_LOCKOUT and local_cache:
        found.append("The sign-in lockout counts failures per process (AxesCacheHandler with a local cache)")
    return found


@register(Tags.caches, deploy=True)
def check_shared_state(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [CheckWarning(f"{message}.", hint=HINT, id="registry.W203") for message in per_process_state()]
