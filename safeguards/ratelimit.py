"""A per-IP rate limit for the public endpoints (in the cache).

The window opens at a client's first request and lasts ``PUBLIC_RATE_WINDOW`` seconds;
unlike a window aligned to the clock, a burst can never straddle a boundary and get a
fresh budget half-way through.

Each scope counts on its own. The open data shares the public budget
(``PUBLIC_RATE_LIMIT`` per ``PUBLIC_RATE_WINDOW``); a scope that must be stricter names its
own settings (``limit_setting``, ``window_setting``: the concern form allows
``CONCERN_RATE_LIMIT`` sends an hour) and may count only some methods (``methods``: the
form's POST, not the page that shows it).

Behind a reverse proxy set ``NUM_PROXIES`` to the number of proxies that append to
X-Forwarded-For; the client address is then taken that many entries from the right, so
a client cannot pick its own address by sending the header.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


@register(Tags.security, deploy=True)
def check_num_proxies(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: the production set-up puts nginx in front. With NUM_PROXIES=0
    every client would have nginx's address: one login lockout and one rate limit for all,
    and no client address in the audit log."""
    if int(getattr(settings, "NUM_PROXIES", 0)) <= 0:
        return [
            CheckWarning(
                "NUM_PROXIES is 0: behind a reverse proxy every client has the proxy's address.",
                hint="Set NUM_PROXIES=1 behind the nginx site of deploy/ (docs/deploy.md, section 5).",
                id="registry.W202",
            )
        ]
    return []


def _count(key: str, window: int, now: int) -> tuple[int, int]:
    """This request's number in the client's window, and when the window ends."""
    cache.add(f"{key}:start", now, timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count == 1:
        # Redis' INCR recreates a key that expired just before it without a time limit: the
        # window's first request always sets it, or the count would never reset.
        cache.touch(key, timeout=window)
    return count, int(cache.get(f"{key}:start", now)) + window


def rate_limited(
    scope: str,
    *,
    limit_setting: str = "PUBLIC_RATE_LIMIT",
    window_setting: str = "PUBLIC_RATE_WINDOW",
    methods: frozenset[str] | None = None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Allow the setting ``limit_setting``'s number of requests per ``window_setting``
    seconds per IP and scope (read on each request); with ``methods``, only requests of
    those methods count and may be refused."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if methods is not None and request.method not in methods:
                return view(request, *args, **kwargs)
            limit = int(getattr(settings, limit_setting))
            window = int(getattr(settings, window_setting))
            now = int(time.time())
            # Hashed: the address may hold any text a proxy passed on, and cache keys may not.
            address = hashlib.sha256(client_ip(request).encode("utf-8", "surrogatepass")).hexdigest()[:32]
            key = f"ratelimit:{scope}:{address}"
            try:
                count, window_end = _count(key, window, now)
            except Exception as error:  # the cache (Redis) is down: serve rather than fail
                logger.warning("rate limit not applied, cache unavailable: %s", error)
                return view(request, *args, **kwargs)
            if count > limit:
                response = HttpResponse(
                    _("Too many requests; try again in %(seconds)d seconds.") % {"seconds": max(1, window_end - now)},
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(max(1, window_end - now))
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
