"""Scoping of the census, fees and annual report kinds (issue 18): a provider user of one
home gets 404 for every portal URL of these kinds with another provider's ids — its page,
its forms, its submissions, their edit and send, its files — and cannot reach another
provider's residents, children or files through a form's fields."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from factories import ProviderFactory, ResidentFactory
from portal_support import form_errors, pdf, portal_client, provider_user, send, xlsx_upload

from childcare.models import Child
from portal.models import Submission, Upload
from registry.models import CareMode, LegalForm, ProviderKind, ProviderStatus, Resident
from registry.rosters.kinds import RESIDENTS
from safeguards.identifiers import make_id_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

HOME_KINDS = ("residents_change", "residents_roster", "fee", "annual_report")
NURSERY_KINDS = ("children_change", "children_roster", "fee")


@pytest.fixture(autouse=True)
def _english() -> None:
    translation.activate("en")


def home(name: str) -> Any:
    return ProviderFactory(name=name, status=ProviderStatus.CERTIFIED, legal_form=LegalForm.NON_PROFIT)


def nursery(name: str) -> Any:
    return ProviderFactory(
        name=name,
        kind=ProviderKind.NURSERY,
        status=ProviderStatus.CERTIFIED,
        beds=0,
        nursing_beds=0,
        childcare_places=20,
    )


def submissions_of_b(b: Any) -> list[Submission]:
    """One submission of each kind, sent by B's own user through the portal (with files)."""
    user = provider_user(b, "b_user")
    portal = portal_client(user)
    today = timezone.localdate()
    resident = ResidentFactory(provider=b)
    send(portal, b, "residents_change", {"movement": "discharge", "day": today.isoformat(), "resident": resident.pk})
    row = {
        "身份证号": make_id_number("150203", datetime.date(1939, 1, 1), 5),
        "姓名": "乙家老人",
        "机构统一社会信用代码": b.uscc,
        "入住日期": (today - datetime.timedelta(days=5)).isoformat(),
        "照护等级": "自理",
    }
    portal.post(
        reverse("portal:submission_new", args=[b.pk, "residents_roster"]),
        {"files": xlsx_upload([c.header for c in RESIDENTS.columns], [row]), "draft": "1"},
    )
    send(portal, b, "fee", {"kind": "bed", "name": "床位费", "amount": "900", "unit": "month", "effective_from": today})
    portal.post(
        reverse("portal:submission_new", args=[b.pk, "annual_report"]),
        {
            "year": str(today.year - 1),
            "total_income": "1",
            "total_expenditure": "1",
            "total_assets": "1",
            "subsidies_received": "0",
            "subsidies_used": "0",
            "files": pdf(),
            "draft": "1",
        },
    )
    sent = list(Submission.objects.filter(provider=b).order_by("kind"))
    assert sorted(s.kind for s in sent) == sorted(HOME_KINDS), [s.kind for s in sent]
    return sent


def test_a_provider_user_gets_404_for_every_url_with_another_providers_ids() -> None:
    a, b = home("甲养老院"), home("乙养老院")
    portal = portal_client(provider_user(a, "a_user"))
    theirs = submissions_of_b(b)
    assert Upload.objects.filter(provider=b).count() == 2  # the roster and the PDF

    assert portal.get(reverse("portal:provider", args=[b.pk])).status_code == 404
    for kind in HOME_KINDS:
        assert portal.get(reverse("portal:submission_new", args=[a.pk, kind])).status_code == 200, kind
        assert portal.get(reverse("portal:submission_new", args=[b.pk, kind])).status_code == 404, kind
        assert portal.post(reverse("portal:submission_new", args=[b.pk, kind]), {"draft": "1"}).status_code == 404
    for submission in theirs:
        for provider_id in (a.pk, b.pk):
            args = [provider_id, submission.pk]
            assert portal.get(reverse("portal:submission", args=args)).status_code == 404, submission.kind
            assert portal.get(reverse("portal:submission_edit", args=args)).status_code == 404, submission.kind
            assert portal.post(reverse("portal:submission_edit", args=args), {"draft": "1"}).status_code == 404
            assert portal.post(reverse("portal:submission_send", args=args)).status_code == 404
    assert portal.get(reverse("portal:roster_template", args=[a.pk, "residents_roster"])).status_code == 200
    assert portal.get(reverse("portal:roster_template", args=[b.pk, "residents_roster"])).status_code == 404
    assert portal.get(reverse("portal:roster_template", args=[a.pk, "children_roster"])).status_code == 404
    assert portal.get(reverse("portal:roster_template", args=[a.pk, "fee"])).status_code == 404
    for upload in Upload.objects.filter(provider=b):
        assert portal.get(reverse("portal:upload", args=[upload.pk])).status_code == 404
    after = dict(Submission.objects.filter(provider=b).values_list("pk", "status"))
    assert after == {s.pk: s.status for s in theirs}  # none was changed or sent
    assert Submission.objects.filter(provider=a).count() == 0


def test_another_providers_people_and_files_cannot_be_named_in_a_form() -> None:
    a, b = home("甲养老院"), home("乙养老院")
    their_resident = ResidentFactory(provider=b)
    portal = portal_client(provider_user(a, "a_user"))
    today = timezone.localdate().isoformat()
    discharge = send(
        portal, a, "residents_change", {"movement": "discharge", "day": today, "resident": their_resident.pk}
    )
    assert "resident" in discharge.context["form"].errors
    their_resident.refresh_from_db()
    assert their_resident.discharged_on is None

    # B's signed report named by its fingerprint in A's form: not A's file.
    b_portal = portal_client(provider_user(b, "b_user"))
    b_portal.post(
        reverse("portal:submission_new", args=[b.pk, "annual_report"]),
        {
            "year": str(timezone.localdate().year - 1),
            "total_income": "1",
            "total_expenditure": "1",
            "total_assets": "1",
            "subsidies_received": "0",
            "subsidies_used": "0",
            "files": pdf(),
            "draft": "1",
        },
    )
    their_pdf = Upload.objects.get(provider=b)
    report = portal.post(
        reverse("portal:submission_new", args=[a.pk, "annual_report"]),
        {
            "year": str(timezone.localdate().year - 1),
            "total_income": "1",
            "total_expenditure": "1",
            "total_assets": "1",
            "subsidies_received": "0",
            "subsidies_used": "0",
            "document": their_pdf.sha256,
            "submit": "1",
        },
    )
    assert "Attach the signed report as a PDF." in form_errors(report)
    assert not Submission.objects.filter(provider=a).exists()
    assert Resident.objects.filter(provider=a).count() == 0


def test_a_nursery_user_cannot_reach_another_nurserys_children() -> None:
    a, b = nursery("甲托育园"), nursery("乙托育园")
    born = timezone.localdate() - datetime.timedelta(days=400)
    their_child = Child.objects.create(
        provider=b,
        name="乙家宝宝",
        id_number=make_id_number("150203", born, 3),
        birth_date=born,
        mode=CareMode.FULL_DAY,
        enrolled_on=timezone.localdate() - datetime.timedelta(days=30),
        guardian_name="乙家长",
    )
    portal = portal_client(provider_user(a, "a_user"))
    for kind in NURSERY_KINDS:
        assert portal.get(reverse("portal:submission_new", args=[b.pk, kind])).status_code == 404
    assert portal.get(reverse("portal:roster_template", args=[b.pk, "children_roster"])).status_code == 404
    assert portal.get(reverse("portal:roster_template", args=[a.pk, "children_roster"])).status_code == 200
    leaving = send(
        portal,
        a,
        "children_change",
        {"movement": "leaving", "day": timezone.localdate().isoformat(), "child": their_child.pk},
    )
    assert "child" in leaving.context["form"].errors
    page = portal.get(reverse("portal:submission_new", args=[a.pk, "children_change"])).content.decode()
    assert "乙家宝宝" not in page
    their_child.refresh_from_db()
    assert their_child.left_on is None
