"""Status pages (issue 19): every provider ever filed keeps a public page that says what
happened to it; the directory still lists certified providers only, and the change feed
reports who left it."""

from __future__ import annotations

import datetime
import html

import pytest
from django.test import Client
from django.utils import timezone, translation
from factories import FeeItemFactory, ProviderFactory

from registry.lifecycle import provider_transition
from registry.models import ProviderStatus, ProviderStatusChange, StatusReason

A = ProviderStatusChange.Action
pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def move(provider, *steps, actor, reason_category=""):
    for action in steps:
        provider_transition(
            provider=provider,
            action=action,
            reason="内部记录：检查组张某某的意见",  # the clerk's own words: never public
            reason_category=reason_category if action in {A.SUSPEND, A.CLOSE, A.REVOKE} else "",
            effective_on=today() - datetime.timedelta(days=3),
            actor=actor,
        )


@pytest.fixture
def certified(divisions, superuser):
    provider = ProviderFactory(name="阳光颐养院")
    move(provider, A.FILE, A.CERTIFY, actor=superuser)
    FeeItemFactory(provider=provider, name="床位费", effective_from=today() - datetime.timedelta(days=90))
    return provider


def test_a_suspended_provider_s_page_says_so_with_the_date_and_reason_category(client: Client, certified, superuser):
    move(certified, A.SUSPEND, actor=superuser, reason_category=StatusReason.SAFETY)

    page = client.get(f"/providers/{certified.uscc}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "阳光颐养院" in html
    notice = html.split('class="status-notice', 1)[1].split("</div>", 1)[0]
    assert "已暂停" in notice
    assert (today() - datetime.timedelta(days=3)).isoformat() in notice
    with translation.override("zh-hans"):
        assert str(StatusReason.SAFETY.label) in notice
    assert "张某某" not in html  # the clerk's free-text reason stays in the back office
    assert "床位费" not in html  # its fees no longer apply
    assert "空余" not in notice


def test_the_english_page_of_a_revoked_provider_says_revoked(client: Client, certified, superuser):
    move(certified, A.REVOKE, actor=superuser, reason_category=StatusReason.SUBSIDY_FRAUD)

    html = client.get(f"/en/providers/{certified.uscc}/").content.decode()

    assert "Filing or registration revoked" in html
    assert "Reason: Subsidies obtained by fraud." in html


def test_a_closed_provider_is_not_listed_but_keeps_its_page(client: Client, certified, superuser):
    move(certified, A.CLOSE, actor=superuser, reason_category=StatusReason.PROVIDER_REQUEST)

    listed = client.get("/providers/", {"q": "阳光颐养院"}).content.decode()
    api = client.get("/api/providers/").json()

    assert f"/providers/{certified.uscc}/" not in listed
    assert certified.uscc not in {row["uscc"] for row in api["results"]}
    page = html.unescape(client.get(f"/providers/{certified.uscc}/").content.decode())
    with translation.override("zh-hans"):
        reason = str(StatusReason.PROVIDER_REQUEST.label)
    assert "已注销" in page
    assert f"原因：{reason}" in page or f"Reason: {reason}" in page


def test_a_draft_never_filed_has_no_page(client: Client, divisions):
    draft = ProviderFactory()
    assert draft.status == ProviderStatus.DRAFT
    assert client.get(f"/providers/{draft.uscc}/").status_code == 404


def test_the_change_feed_lists_removals_since_the_timestamp(client: Client, certified, superuser, divisions):
    other = ProviderFactory(name="晚晴照料中心")
    move(other, A.FILE, A.CERTIFY, actor=superuser)
    since = timezone.now()
    move(certified, A.SUSPEND, actor=superuser, reason_category=StatusReason.RECTIFICATION)
    move(certified, A.CLOSE, actor=superuser, reason_category=StatusReason.MERGER)

    stamp = since.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    feed = client.get("/api/providers/", {"modified_after": stamp}).json()

    assert feed["removed"] == [
        {
            "uscc": certified.uscc,
            "name": "阳光颐养院",
            "status": "closed",
            "status_changed_on": (today() - datetime.timedelta(days=3)).isoformat(),
            "reason_category": "merger",
            "recorded_at": feed["removed"][0]["recorded_at"],
        }
    ]
    assert certified.uscc not in {row["uscc"] for row in feed["results"]}
    # Before the removal, nothing was removed; without the parameter there is no feed.
    later = timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert client.get("/api/providers/", {"modified_after": later}).json()["removed"] == []
    assert "removed" not in client.get("/api/providers/").json()


def test_a_reinstated_provider_is_not_a_removal(client: Client, certified, superuser):
    since = timezone.now()
    move(certified, A.SUSPEND, A.REINSTATE, actor=superuser, reason_category=StatusReason.SAFETY)

    stamp = since.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    feed = client.get("/api/providers/", {"modified_after": stamp}).json()

    assert feed["removed"] == []
    assert certified.uscc in {row["uscc"] for row in feed["results"]}


def test_a_removal_without_a_category_is_recorded_as_other_and_others_carry_none(certified, superuser):
    provider_transition(provider=certified, action=A.SUSPEND, reason="命令行", effective_on=today(), actor=superuser)
    provider_transition(
        provider=certified,
        action=A.REINSTATE,
        reason="整改完成",
        reason_category=StatusReason.SAFETY,
        effective_on=today(),
        actor=superuser,
    )

    suspend, reinstate = certified.status_changes.order_by("recorded_at", "id")[2:]
    assert suspend.reason_category == StatusReason.OTHER
    assert reinstate.reason_category == ""


def test_the_clerk_must_choose_a_public_reason_category_to_suspend(client_for, certified, superuser):
    client = client_for(superuser)
    url = f"/admin/registry/provider/{certified.pk}/lifecycle/suspend/"
    form = client.get(url).content.decode()
    assert 'name="reason_category"' in form

    refused = client.post(url, {"reason": "消防通道堵塞", "effective_on": today().isoformat()})
    assert refused.status_code == 200 and certified.status_changes.count() == 2

    done = client.post(
        url, {"reason": "消防通道堵塞", "reason_category": "safety", "effective_on": today().isoformat()}
    )
    assert done.status_code == 302
    assert certified.status_changes.order_by("-id").first().reason_category == "safety"
    # Certifying asks no category: nothing is explained to the public.
    with translation.override("zh-hans"):
        assert (
            'name="reason_category"'
            not in client.get(f"/admin/registry/provider/{certified.pk}/lifecycle/reinstate/").content.decode()
        )


def test_subsidy_and_inspection_lists_link_every_recipient_with_its_status(client: Client, certified, superuser):
    from registry.templatetags.public_tags import provider_link

    move(certified, A.CLOSE, actor=superuser, reason_category=StatusReason.OTHER)
    with translation.override("zh-hans"):
        context = provider_link(certified.uscc, certified.name, ProviderStatus.CLOSED)
    assert context["has_page"] and context["status"] == "已注销"
    assert provider_link("X", "草稿", ProviderStatus.DRAFT)["has_page"] is False
