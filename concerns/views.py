"""Public pages of concerns: the form on each provider's page, the page with the reference
number, the lookup by reference, and the statistics. No account, no CAPTCHA (a honeypot and
the fill time instead, ``bot_checks``), CSRF-protected, and limited per IP: sending
(``CONCERN_RATE_LIMIT``) and looking up (``CONCERN_LOOKUP_RATE_LIMIT``) per
``CONCERN_RATE_WINDOW`` seconds. No page shows a description, a note or a contact."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from registry.forms import add_refusal
from registry.models import Provider, ProviderStatus
from registry.public_cache import cached_public_page
from safeguards.ratelimit import rate_limited

from .bot_checks import HONEYPOT_FIELD, Verdict, judge
from .cases import concern_receive, may_receive_concerns
from .deadlines import response_due_on
from .forms import ConcernForm, LookupForm
from .models import Concern
from .references import new_reference
from .statistics import (
    outcome_headings,
    provider_row_cells,
    providers_in_year,
    year_by_category,
    years_with_concerns,
)

USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")
SESSION_KEY = "concern_sent"  # the reference and due date of the concern just sent
STATISTICS_PAGE_SIZE = 50


def _provider(uscc: str) -> Provider:
    """A provider with a public existence (filed at least once), or 404."""
    uscc = uscc.upper()
    if not USCC_SHAPE.fullmatch(uscc):
        raise Http404
    provider = (
        Provider.objects.select_related("division").exclude(status=ProviderStatus.DRAFT).filter(uscc=uscc).first()
    )
    if provider is None:
        raise Http404
    return provider


@never_cache  # a token and a time for this visitor alone: no shared cache may keep the page
@require_http_methods(["GET", "POST"])
@rate_limited(
    "concern-send",
    limit_setting="CONCERN_RATE_LIMIT",
    window_setting="CONCERN_RATE_WINDOW",
    methods=frozenset({"POST"}),
)
def concern_new(request: HttpRequest, uscc: str) -> HttpResponse:
    provider = _provider(uscc)
    if not may_receive_concerns(provider):
        return render(request, "concerns/new.html", {"provider": provider, "closed": True})
    form = ConcernForm(request.POST or None)
    stale = False
    if request.method == "POST" and form.is_valid():
        verdict = judge(honeypot=request.POST.get(HONEYPOT_FIELD, ""), token=form.cleaned_data["shown_at"])
        if verdict is Verdict.ROBOT:
            # Looks sent: the same page with a reference that was never stored.
            now = timezone.now()
            return _sent(request, new_reference(timezone.localtime(now).year), response_due_on(now))
        if verdict is Verdict.PERSON:
            data = form.cleaned_data
            try:
                concern = concern_receive(
                    provider=provider,
                    category=data["category"],
                    description=data["description"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    contact_email=data["contact_email"],
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                return _sent(request, concern.reference, concern.due_on)
        else:
            stale = True
            form = form.fresh_copy()
    return render(request, "concerns/new.html", {"provider": provider, "form": form, "stale": stale})


def _sent(request: HttpRequest, reference: str, due_on: datetime.date) -> HttpResponse:
    """Remember what to show and redirect (a reload does not send the form again)."""
    request.session[SESSION_KEY] = {"reference": reference, "due_on": due_on.isoformat()}
    return HttpResponseRedirect(reverse("concern_sent"))


@never_cache
@require_GET
def concern_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get(SESSION_KEY)
    if not sent:
        return HttpResponseRedirect(reverse("concern_lookup"))
    context = {
        "reference": sent["reference"],
        "due_on": datetime.date.fromisoformat(sent["due_on"]),
        "lookup": LookupForm(initial={"reference": sent["reference"]}),
    }
    return render(request, "concerns/sent.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(
    "concern-lookup",
    limit_setting="CONCERN_LOOKUP_RATE_LIMIT",
    window_setting="CONCERN_RATE_WINDOW",
    methods=frozenset({"POST"}),
)
def concern_lookup(request: HttpRequest) -> HttpResponse:
    """The reference is sent by POST: it stays out of addresses, logs and the history."""
    form = LookupForm(request.POST or None)
    concern = None
    searched = False
    if request.method == "POST":
        searched = True  # whatever was typed: a text that is no reference is "not found" too
        reference = form.cleaned_data["reference"] if form.is_valid() else ""
        if reference:
            concern = Concern.objects.select_related("provider").filter(reference=reference).first()
    context = {"form": form, "concern": concern, "searched": searched, "today": timezone.localdate()}
    return render(request, "concerns/lookup.html", context)


@require_GET
@cached_public_page
def concern_statistics(request: HttpRequest) -> HttpResponse:
    years = years_with_concerns()
    latest = years[0] if years else timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = latest
    if year not in years:  # a year without concerns (or no year at all): the latest
        year = latest
    page = Paginator(providers_in_year(year), STATISTICS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(row, provider_row_cells(row)) for row in page.object_list]
    context = {
        "years": years,
        "year": year,
        "summary": year_by_category(year),
        "headings": outcome_headings(),
        "page": page,
        "rows": rows,
    }
    return render(request, "concerns/statistics.html", context)
