"""Every portal URL, opened by provider A's user with provider B's ids, is "not found"
(issue 18: "Test it for every URL with a second provider's ids"). The URLs are read from
the portal's URL configuration, so a new page is covered as soon as it exists; a new kind
of id in a URL needs its sample here (the test says which)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from factories import ProviderFactory

from inspections.models import Finding, Regime
from inspections.records import FindingInput, record_inspection
from portal.access import access_grant
from portal.submissions import submission_save
from portal.uploads import CSV, store_upload
from registry.models import Provider, ProviderStatus, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

# URLs that are not about a provider's data: sign-in, sign-out, password, second factor,
# an invitation (its token is the credential).
OPEN = {
    "login",
    "logout",
    "password_change",
    "otp_verify",
    "otp_enrol",
    "otp_backup_codes",
    "invitation",
    "home",
}


def portal_patterns() -> list[URLPattern]:
    portal: URLResolver = get_resolver().namespace_dict["portal"][1]
    return [p for p in portal.url_patterns if isinstance(p, URLPattern)]


def a_finding_of(provider: Provider, inspector: User) -> Finding:
    today = timezone.localdate()
    inspection = record_inspection(
        provider=provider,
        regime=Regime.objects.get(code="BT-DISTRICT-SAFETY"),
        inspected_on=today - datetime.timedelta(days=3),
        recorded_by=inspector,
        inspectors=[inspector],
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, "疏散通道堆放杂物", today)],
    )
    return inspection.findings.get()


def a_sample_of(provider: Provider, user: User, inspector: User) -> dict[str, Any]:
    submission = submission_save(
        provider=provider,
        kind="vacancies",
        data={"as_of": timezone.localdate().isoformat(), "vacant": 1},
        user=user,
    )
    upload = store_upload(
        provider=provider,
        user=user,
        file=SimpleUploadedFile("名册.csv", "姓名,证件\n张三,1\n".encode()),
        accept=frozenset({CSV}),
    )
    return {
        "provider_id": provider.pk,
        "submission_id": submission.pk,
        "upload_id": upload.pk,
        "kind": "vacancies",
        "finding_id": a_finding_of(provider, inspector).pk,
    }


def test_every_portal_url_with_another_providers_ids_is_not_found(inspector: User) -> None:
    mine = ProviderFactory(status=ProviderStatus.CERTIFIED)
    theirs = ProviderFactory(status=ProviderStatus.CERTIFIED)
    me = User.objects.create_user(username="me", password="x")
    them = User.objects.create_user(username="them", password="x")
    access_grant(user=me, provider=mine, actor=None)
    access_grant(user=them, provider=theirs, actor=None)
    own = a_sample_of(mine, me, inspector)
    other = a_sample_of(theirs, them, inspector)
    client = Client()
    client.force_login(me)

    checked = []
    for pattern in portal_patterns():
        if pattern.name in OPEN:
            continue
        params = list(pattern.pattern.converters)
        missing = [name for name in params if name not in other]
        assert not missing, f"add a sample {missing} for portal:{pattern.name} to a_sample_of"
        # Mixed: my provider with their object, and their provider outright.
        for values in (
            {name: other[name] for name in params},
            {name: (own[name] if name == "provider_id" else other[name]) for name in params},
        ):
            if values == {name: own[name] for name in params}:
                continue
            url = reverse(f"portal:{pattern.name}", kwargs=values)
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                assert status in {404, 405}, f"{method.upper()} {url} ({pattern.name}): {status}"
        checked.append(pattern.name)
    assert {"provider", "submission", "submission_new", "submission_edit", "submission_send", "upload", "money"} <= set(
        checked
    )


def test_a_revoked_access_closes_the_door(clerk: User) -> None:
    from portal.access import access_revoke
    from portal.models import ProviderAccess

    provider = ProviderFactory()
    user = User.objects.create_user(username="former", password="x")
    access = access_grant(user=user, provider=provider, actor=clerk)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("portal:provider", args=[provider.pk])).status_code == 200
    access_revoke(access=ProviderAccess.objects.get(pk=access.pk), actor=clerk)
    response = client.get(reverse("portal:provider", args=[provider.pk]))
    assert response.status_code == 302 and "refused" in response["Location"]
    assert (timezone.now() - ProviderAccess.objects.get(pk=access.pk).revoked_at) < datetime.timedelta(minutes=1)
