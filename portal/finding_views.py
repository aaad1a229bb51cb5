"""The provider's findings in the portal (issue 18, rectification): each finding still to
rectify with its deadline, where it stands and, if the inspector returned the
rectification, why; and the way to send a rectification of one of them. Scoped as every
portal page: the provider through ``provider_of``, the finding through that provider."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from inspections.records import findings_to_rectify

from .access import provider_of
from .auth import provider_user_required
from .models import Submission
from .views import submission_edit


@provider_user_required
def findings(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = provider_of(request.user, provider_id)
    rows = list(findings_to_rectify(provider).select_related("inspection"))
    sent = Submission.objects.filter(provider=provider, kind="rectification").order_by("-created_at")
    by_finding: dict[str, list[Submission]] = {}
    for submission in sent.filter(data__finding__in=[str(f.pk) for f in rows]):
        by_finding.setdefault(str(submission.data.get("finding")), []).append(submission)
    context = {
        "provider": provider,
        "rows": [(finding, by_finding.get(str(finding.pk), [])[:3]) for finding in rows],
        "today": timezone.localdate(),
    }
    return render(request, "portal/findings.html", context)


@never_cache
@provider_user_required
def finding_rectify(request: HttpRequest, provider_id: int, finding_id: int) -> HttpResponse:
    """The rectification form for one finding of the provider (404 for anyone else's)."""
    provider = provider_of(request.user, provider_id)
    finding = get_object_or_404(findings_to_rectify(provider), pk=finding_id)
    if request.method == "POST" and request.POST.get("finding") != str(finding.pk):
        raise Http404  # this page sends a rectification of this finding only
    return submission_edit(request, provider.pk, kind="rectification", initial={"finding": str(finding.pk)})
