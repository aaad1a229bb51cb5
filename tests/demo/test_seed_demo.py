"""``manage.py seed_demo``: a believable, deterministic and idempotent Baotou."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from demo import baotou
from demo import seed as demo_seed
from registry.models import (
    Caregiver,
    Division,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    Resident,
    User,
)
from safeguards.identifiers import validate_id_number, validate_uscc

BAOTOU_COUNTY_UNITS = {"150202", "150203", "150204", "150205", "150206", "150207", "150221", "150222", "150223"}
RARE_EARTH_ZONE = "150271"


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every registry model, historical models included, and of users."""
    counts = {model.__name__: model._default_manager.count() for model in apps.get_app_config("registry").get_models()}
    counts["users"] = User.objects.count()
    return counts


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo seeded once for the module on an empty database (no reference data: the
    seed loads what it needs), then again the same day; rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            divisions_before = Division.objects.exists()
            first = seed()
            counts = row_counts()
            statuses = set(Provider.objects.values_list("uscc", "status"))
            users = list(User.objects.order_by("username").values_list("username", "password", "last_login"))
            again = seed()
            yield {
                "first": first,
                "again": again,
                "counts": counts,
                "statuses": statuses,
                "users": users,
                "divisions before": divisions_before,
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def reference_data(seeded: dict[str, Any], db: None) -> dict[str, Any]:
    """The seeded demo (the name the tests below were written with)."""
    return seeded


@pytest.mark.django_db
def test_seed_covers_baotou_kinds_and_statuses_with_valid_data(reference_data: dict[str, Any]) -> None:
    output = reference_data["first"]

    providers = Provider.objects.select_related("division")
    assert "clerk_kundulun" in output
    assert {p.division.code for p in providers} == BAOTOU_COUNTY_UNITS | {RARE_EARTH_ZONE}
    per_unit = {code: providers.filter(division__code=code).count() for code in BAOTOU_COUNTY_UNITS}
    assert min(per_unit.values()) >= 3
    assert all(p.division.parent.code == "150200" for p in providers)  # type: ignore[union-attr]
    assert {p.kind for p in providers} == set(ProviderKind.values)
    assert {p.status for p in providers} == set(ProviderStatus.values)
    assert providers.filter(status=ProviderStatus.CERTIFIED).count() > providers.count() / 2
    assert not providers.filter(nursing_beds__gt=F("beds")).exists()
    for provider in providers:
        validate_uscc(provider.uscc)
    for number in [*Resident.objects.values_list("id_number", flat=True)]:
        validate_id_number(number)
    for number in [*Caregiver.objects.values_list("id_number", flat=True)]:
        validate_id_number(number)
    assert Resident.objects.exists() and Caregiver.objects.exists()


@pytest.mark.django_db
def test_statuses_come_from_lifecycle_transitions(reference_data: dict[str, Any]) -> None:
    for provider in Provider.objects.exclude(status=ProviderStatus.DRAFT):
        changes = list(provider.status_changes.order_by("recorded_at", "id"))
        assert changes, provider.name
        assert changes[-1].to_status == provider.status
        dates = [c.effective_on for c in changes]
        assert dates == sorted(dates) and dates[-1] < timezone.localdate()
        assert {c.actor.username for c in changes} == {baotou.SYSTEM_USERNAME}
    assert ProviderStatusChange.objects.filter(action=ProviderStatusChange.Action.REINSTATE).exists()


@pytest.mark.django_db
def test_demo_users_have_roles_and_jurisdictions(reference_data: dict[str, Any]) -> None:
    for username, role, code in baotou.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.is_staff and user.check_password(baotou.DEMO_PASSWORD)
        assert user.groups.filter(name=role).exists()
        assert user.jurisdiction == Division.objects.get(code=code)
        assert user.department == baotou.DEMO_DEPARTMENTS.get(username, "")
    system = User.objects.get(username=baotou.SYSTEM_USERNAME)
    assert not system.is_staff and not system.has_usable_password()


@pytest.mark.django_db
def test_seed_twice_changes_nothing(reference_data: dict[str, Any]) -> None:
    assert row_counts() == reference_data["counts"]
    assert set(Provider.objects.values_list("uscc", "status")) == reference_data["statuses"]
    users = list(User.objects.order_by("username").values_list("username", "password", "last_login"))
    assert users == reference_data["users"]
    assert "0 created, 60 already present" in reference_data["again"]


def test_plan_is_deterministic() -> None:
    day = datetime.date(2026, 12, 4)
    first, second = demo_seed.build_plan(day), demo_seed.build_plan(day)
    assert [p.fields for p in first] == [p.fields for p in second]
    assert [p.residents for p in first] == [p.residents for p in second]


def test_seed_loads_missing_reference_data(reference_data: dict[str, Any]) -> None:
    assert not reference_data["divisions before"]  # an empty database …
    assert Division.objects.filter(code="150200").exists()  # … which the seed filled
    assert Provider.objects.filter(division__code=RARE_EARTH_ZONE).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("via", ["settings", "environment"])
def test_seed_refuses_production_settings(via: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if via == "settings":
        settings.SETTINGS_MODULE = "config.settings.prod"
    else:
        monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.prod")

    before = row_counts()  # the module's demo may be there already: nothing is added to it
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=io.StringIO())
    assert row_counts() == before


@pytest.mark.django_db
def test_the_demo_shows_a_transfer_an_overlap_and_money_withheld_by_a_hold(reference_data: dict[str, Any]) -> None:
    from registry.overlaps import overlapping_stays
    from subsidies.models import GrantLine
    from subsidies.withholding import withheld_lines

    moved = Resident.objects.filter(provider__division__code="150203").values("id_number_hash")
    people = {row["id_number_hash"] for row in moved}
    two_homes = [p for p in people if Resident.objects.filter(id_number_hash=p).count() == 2]
    assert len(two_homes) == 2  # one transfer, one overlap
    overlapping = list(overlapping_stays())
    assert len(overlapping) == 2 and len({stay.provider_id for stay in overlapping}) == 2
    flagged = GrantLine.objects.filter(flags__contains=[{"code": "duplicate_resident"}])
    # Both homes' lines say so, in every run since the stays began to overlap.
    by_run = {run: [line for line in flagged if line.run_id == run] for run in {line.run_id for line in flagged}}
    assert by_run and all(len(lines) == 2 for lines in by_run.values())
    assert {line.provider.name for line in flagged} == {baotou.MOVED_FROM, baotou.MOVED_TO}
    assert withheld_lines().exists()  # the homes on hold (a lapsed licence, a major hazard) wait for their money


@pytest.mark.django_db
def test_the_demo_has_a_year_of_concerns_and_names_one_to_look_up(reference_data: dict[str, Any]) -> None:
    import re

    from django.test import Client

    from concerns.models import Concern, Status
    from registry.workbench import workbench_sections

    concerns = Concern.objects.all()
    assert concerns.count() == 13 and concerns.filter(status=Status.CLOSED).count() == 10
    # The oldest, closed over a year ago, has lost its contact to the retention; the others keep theirs.
    oldest = concerns.order_by("received_at").first()
    assert oldest is not None and oldest.contact_deleted_at is not None and not oldest.has_contact
    assert not concerns.exclude(pk=oldest.pk).filter(contact_deleted_at__isnull=False).exists()
    assert len({c.category for c in concerns}) >= 8 and len({c.provider.division_id for c in concerns}) >= 4
    clerk = User.objects.get(username="clerk_kundulun")
    counts = {item.url: item.count for section in workbench_sections(clerk) for item in section.items}
    assert counts["/admin/concerns/concern/?state=overdue"] == 1
    reference = re.search(r"concerns: look up (TS-\d{4}-\S{4}-\S{4}) ", reference_data["first"])
    assert reference and reference.group(1) in reference_data["again"]
    looked_up = Concern.objects.get(reference=reference.group(1))
    assert looked_up.status == Status.CLOSED and looked_up.public_reply
    page = Client().post("/en/concerns/lookup/", {"reference": reference.group(1)}).content.decode()
    assert looked_up.public_reply in page


@pytest.mark.django_db
def test_the_demo_has_a_clerk_short_of_backup_codes_and_a_roster_file_due_for_the_purge(
    reference_data: dict[str, Any],
) -> None:
    """Issue 20: clerk_qingshan's workbench warns of three backup codes left (printed once),
    and an abandoned roster of clerk_kundulun's is past the retention period."""
    import re

    from django.test import Client

    from demo import roster_uploads, two_factor
    from registry.models import RosterImport
    from registry.rosters.retention import purge_roster_files
    from safeguards import backup_codes

    clerk = User.objects.get(username=two_factor.USERNAME)
    assert backup_codes.backup_code_status(clerk).few_left and backup_codes.codes_left(clerk) == 3
    printed = re.search(r"backup codes left: (\S{11}), (\S{11}), (\S{11})", reference_data["first"])
    assert printed and printed.group(1) not in reference_data["again"]  # shown once
    client = Client()
    client.force_login(clerk)
    assert 'id="backup-codes-left"' in client.get("/admin/").content.decode()
    assert backup_codes.use_backup_code(user=clerk, code=printed.group(1)) is not None  # they work

    abandoned = RosterImport.objects.get(filename=roster_uploads.ABANDONED)
    rejected = RosterImport.objects.get(filename=roster_uploads.REJECTED)
    assert abandoned.status == RosterImport.Status.PREVIEWED and rejected.status == RosterImport.Status.REJECTED
    assert purge_roster_files() == {"abandoned_uploads": 1}
    rejected.refresh_from_db()
    assert rejected.file and rejected.file_purged_at is None
