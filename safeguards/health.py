"""``/ping/``: the platform's liveness answer, for the health check and the load test's baseline.

It proves that a web worker takes requests and runs the middleware, nothing more: no
database query, no session, no template, no cache and no rate limit, so that it stays
cheap under any load and says nothing about the data. Never cached, so that a proxy
cannot answer for a dead worker. ``make bench`` measures every page's throughput against it
(docs/performance.md).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PING_BODY = "ok"


@never_cache
@require_safe
def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PING_BODY, content_type="text/plain; charset=utf-8")
