"""The audit log as the audit admin reads it (issue #21, "Audit log"): one time zone, the
bureau's (settings.TIME_ZONE), in the title, the list and the fields; actions and objects
by their names; before/after as "field: old → new"; import statistics readable; no
"None"; filters by user, action, object and date.

New strings are asserted under /en/ (their Chinese is added with the translations)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from factories import ProviderFactory

from registry.lifecycle import provider_transition
from registry.models import ProviderStatusChange
from registry.staff import roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


def en(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


LIST = en("admin:safeguards_auditentry_changelist")


def change_page(entry: AuditEntry) -> str:
    return en("admin:safeguards_auditentry_change", entry.pk)


@pytest.fixture
def auditor(make_staff):
    return make_staff(roles.AUDIT_ADMIN, "150200")


def test_the_title_and_the_fields_show_the_bureaus_time(auditor, client_for):
    at = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=datetime.UTC)  # 07:30 on the 5th in Baotou
    entry = AuditEntry.objects.create(action="login.success", actor_name="clerk_baotou", at=at)

    content = client_for(auditor).get(change_page(entry)).content.decode()

    assert "2026-12-05 07:30" in content  # the title
    assert "23:30" not in content
    assert "Signed in" in content and "login.success" not in content


def test_before_and_after_read_as_the_fields_changes_by_their_labels(divisions, superuser, auditor, client_for):
    provider = ProviderFactory()
    provider_transition(
        provider=provider,
        action=ProviderStatusChange.Action.FILE,
        reason="材料齐全",
        effective_on=timezone.localdate(),
        actor=superuser,
    )
    entry = AuditEntry.objects.get(action="provider.file")

    page = client_for(auditor).get(change_page(entry))
    content = page.content.decode()

    assert "Draft &rarr; Filed" in content or "Draft → Filed" in content
    assert '{"status"' not in content and '"draft"' not in content
    assert "None" not in content


def test_import_statistics_are_readable(auditor, client_for):
    entry = AuditEntry.objects.create(
        action="roster.import",
        actor_name="clerk_baotou",
        after={"kind": "residents", "new": 3, "changed": 1, "unchanged": 12},
        detail="residents.xlsx",
    )

    content = client_for(auditor).get(change_page(entry)).content.decode()

    assert "new rows" in content and "unchanged rows" in content
    assert '"new": 3' not in content


def test_the_log_filters_by_user_action_object_and_date(divisions, make_staff, auditor, client_for):
    alice, bob = make_staff(roles.DISTRICT_CLERK, "150203"), make_staff(roles.DISTRICT_CLERK, "150202")
    provider = ProviderFactory()
    AuditEntry.objects.create(action="login.success", actor=alice, actor_name=alice.username)
    AuditEntry.objects.create(action="login.success", actor=bob, actor_name=bob.username)
    about = AuditEntry.objects.create(
        action="provider.file",
        actor=bob,
        actor_name=bob.username,
        object_type="registry.Provider",
        object_id=str(provider.pk),
        object_repr=str(provider),
    )
    old = AuditEntry.objects.create(
        action="logout", actor=alice, actor_name=alice.username, at=timezone.now() - datetime.timedelta(days=40)
    )
    client = client_for(auditor)

    def shown(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        return {e.pk for e in response.context["cl"].result_list}

    by_alice = shown(actor__id__exact=alice.pk)
    assert old.pk in by_alice and about.pk not in by_alice and len(by_alice) == 2
    assert shown(action="provider.file") == {about.pk}
    assert shown(object_type="registry.Provider", object_id=str(provider.pk)) == {about.pk}
    today = timezone.localdate()
    recent = shown(at__gte=f"{today - datetime.timedelta(days=7)} 00:00:00+08:00")
    assert old.pk not in recent and about.pk in recent

    listing = client.get(LIST).content.decode()
    assert "Signed in" in listing  # actions by name in the filter and the list
    assert f"object_id={provider.pk}" in listing  # the object links to every entry about it


def test_a_records_history_shows_no_none_for_an_empty_change_reason(divisions, superuser, client_for):
    provider = ProviderFactory()  # created without a user or a change reason

    content = client_for(superuser).get(en("admin:registry_provider_history", provider.pk))
    text = content.content.decode()

    assert content.status_code == 200 and "Change reason" in text
    assert "None" not in text
