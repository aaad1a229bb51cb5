"""Inspections change the public pages: recording and verifying findings bumps the public
cache's data version (``Regime``, ``Draw``, ``Inspection``, ``Finding`` registered from the
inspections app's ``ready()``), so a cached inspection page shows it on the next request.
A staff user is registered for what names an inspector only: a sign-in bumps nothing."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from inspection_support import DISTRICT_SAFETY
from public_cache_support import cache_state, commit_public_changes

from inspections.models import Finding, Inspection
from inspections.records import FindingInput, finding_report_rectification, finding_verify, record_inspection

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def inspected(regimes, make_provider, district_inspector) -> Inspection:
    inspection = record_inspection(
        provider=make_provider(name="昆都仑区缓存检查养老院"),
        regime=regimes[DISTRICT_SAFETY],
        inspected_on=TODAY - datetime.timedelta(days=10),
        recorded_by=district_inspector,
        inspectors=[district_inspector],
        checklist_results={"fire-exits": "fail"},
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.MAJOR, "杂物堵塞通道", TODAY)],
    )
    commit_public_changes()
    return inspection


def test_a_finding_verified_shows_on_the_cached_inspection_page(inspected: Inspection, district_inspector) -> None:
    url = f"/en/inspections/{inspected.pk}/"
    before = Client().get(url)
    assert cache_state(Client().get(url)) == "HIT"
    assert "Verified fixed" not in before.content.decode()

    finding = finding_report_rectification(finding=inspected.findings.get(), report="已清理", rectified_on=TODAY)
    finding_verify(finding=finding, inspector=district_inspector, on=TODAY)
    assert commit_public_changes()

    after = Client().get(url)
    assert cache_state(after) == "MISS"
    assert "Verified fixed" in after.content.decode()


def test_an_inspector_signing_in_bumps_nothing_a_new_name_does(district_inspector) -> None:
    commit_public_changes()

    Client().force_login(district_inspector)  # saves last_login only
    assert not commit_public_changes()

    district_inspector.first_name = "晓明"
    district_inspector.save()
    assert commit_public_changes()  # the draws' pages name their inspectors
