"""Every back-office page renders, and the provider lifecycle works from the provider page.

The page sweep iterates over ``admin.site._registry``, so a newly registered model is
covered automatically (add a sample object for it to ``SAMPLES`` if it has no rows).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from credit_support import credit_samples
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from django_otp.plugins.otp_totp.models import TOTPDevice
from factories import (
    KUNDULUN,
    AnnualReportFactory,
    CaregiverFactory,
    CreditRecordFactory,
    FeeItemFactory,
    LicenceFactory,
    ProviderFactory,
    ProviderHoldFactory,
    ResidentFactory,
)

from childcare.models import Child, ChildcareClass, ChildcareWorker, ClassType, StaffRole
from indicators.models import CommunityCount, Indicator, IndicatorSnapshot, PopulationFigure
from inspections.models import Draw, InspectionTask, Notification, Regime, SelfCheck
from inspections.records import FindingInput, record_inspection
from inspections.self_checks import DAILY_ITEMS, self_check_record
from registry.accident_policies import accident_policy_save
from registry.lifecycle import provider_transition
from registry.models import (
    Attendance,
    ChildcarePlaces,
    DataExport,
    Division,
    FireExemptionRule,
    OverlapDecision,
    OverlappingStay,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    RoleGrant,
    RosterImport,
    User,
)
from registry.staff import roles
from safeguards.identifiers import make_id_number
from safeguards.models import AuditEntry, DeferredTask
from subsidies.models import (
    Award,
    ConstructionGrant,
    GrantLine,
    GrantRun,
    Instalment,
    OperationEvaluation,
    PaymentBatch,
    PaymentItem,
    ProviderLedger,
    ProviderOnHold,
    Recovery,
    SubsidyScheme,
    WithheldLine,
)

pytestmark = pytest.mark.django_db

S = ProviderStatus
A = ProviderStatusChange.Action
# django-axes' own lockout pages are its maintainers' to test (its change view redirects).
REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label != "axes"), key=lambda model: model._meta.label
)


def today() -> datetime.date:
    return timezone.localdate()


def transition(provider, action, actor, on=None):
    provider_transition(provider=provider, action=action, reason="测试", effective_on=on or today(), actor=actor)


@pytest.fixture
def samples(divisions, superuser, clerk):
    """One object of every registered model, inside Kundulun where that applies."""
    provider = ProviderFactory(built_on=datetime.date(1990, 1, 1))
    transition(provider, A.FILE, superuser)
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    township = Division.objects.create(
        code="150203001", name="林荫路街道", level=Division.Level.TOWNSHIP, parent=divisions[KUNDULUN]
    )
    caregiver = CaregiverFactory(provider=provider)
    objects = [
        provider,
        township,
        ResidentFactory(provider=provider),
        caregiver,
        accident_policy_save(
            provider=provider,
            insurer="中国人寿包头分公司",
            number="YW-2026-0001",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            premium_yuan="1000.00",
            caregivers=[caregiver],
            user=clerk,
        ),
        LicenceFactory(provider=provider),
        FeeItemFactory(provider=provider),
        AnnualReportFactory(provider=provider),
        CreditRecordFactory(provider=provider),
        ProviderHoldFactory(provider=provider),
        provider.status_changes.get(),
        FireExemptionRule.objects.get(),
        clerk,
        Group.objects.get(name=roles.DISTRICT_CLERK),
        interval,
        CrontabSchedule.objects.create(minute="0", hour="7"),
        SolarSchedule.objects.create(event="sunrise", latitude="40.65", longitude="109.84"),
        ClockedSchedule.objects.create(clocked_time=timezone.now()),
        PeriodicTask.objects.create(name="每日提醒", task="inspections.tasks.send_reminders", interval=interval),
        *subsidy_samples(provider, clerk, divisions[KUNDULUN]),
        *overlap_samples(provider, clerk),
        *credit_samples(provider, clerk),
        *inspection_samples(provider, clerk, divisions[KUNDULUN]),
        *indicator_samples(divisions[KUNDULUN]),
        *childcare_samples(),
        *portal_samples(provider, clerk),
        *concern_samples(provider),
        RosterImport.objects.create(
            kind="residents", filename="名册.csv", sha256="0" * 64, jurisdiction=divisions[KUNDULUN], uploaded_by=clerk
        ),
        AuditEntry.objects.create(action="test", actor=clerk),
        DataExport.objects.create(what="residents", file_format="csv", rows=3, personal_data=False, exported_by=clerk),
        TOTPDevice.objects.create(user=clerk, name="手机", confirmed=True),
        DeferredTask.objects.create(task="registry.tasks.send_deferred_tasks", error="OperationalError: refused"),
        RoleGrant.objects.create(
            user=clerk, group=Group.objects.get(name=roles.INSPECTOR), reason="兼任检查员", requested_by=superuser
        ),
        LogEntry.objects.log_actions(superuser.pk, [provider], ADDITION, single_object=True),
    ]
    return {type(obj): obj for obj in objects}


def portal_samples(provider, clerk) -> list:
    """An invitation, a provider user's access and a submission sent for review."""
    from portal.access import access_grant
    from portal.invitations import invite
    from portal.submissions import submission_save, submission_submit

    member = User.objects.create_user(username="portal_member", password="x")
    access = access_grant(user=member, provider=provider, actor=clerk)
    sent = submission_save(
        provider=provider,
        kind="vacancies",
        data={"as_of": timezone.localdate().isoformat(), "vacant": 10, "note": ""},
        user=member,
    )
    submission_submit(submission=sent, user=member)
    return [
        invite(provider=provider, name="王院长", email="wang@example.invalid", actor=clerk).invitation,
        access,
        sent,
    ]


def concern_samples(provider) -> list:
    """A citizen's concern about the provider, with a contact."""
    from concerns.cases import concern_receive

    concern = concern_receive(
        provider=provider,
        category="food",
        description="午饭经常是凉的，提过意见没有改。",
        contact_name="赵淑芬",
        contact_phone="13904721234",
    )
    return [concern]


def childcare_samples() -> list:
    """A nursery in Kundulun with a class, a child in it and a carer."""
    nursery = ProviderFactory(kind=ProviderKind.NURSERY, beds=0, nursing_beds=0, childcare_places=30)
    group = ChildcareClass.objects.create(provider=nursery, name="托小班", class_type=ClassType.TODDLER_SMALL)
    birth = datetime.date(2024, 6, 15)
    child = Child.objects.create(
        provider=nursery,
        name="王小宝",
        id_number=make_id_number(KUNDULUN, birth, 1),
        birth_date=birth,
        mode="full_day",
        enrolled_on=datetime.date(2025, 9, 1),
        childcare_class=group,
        guardian_name="王伟",
        phone="13700000001",
    )
    worker = ChildcareWorker.objects.create(
        provider=nursery,
        name="刘保育",
        id_number=make_id_number("150202", datetime.date(1990, 5, 1), 1),
        role=StaffRole.NURSERY_CARER,
        childcare_class=group,
        employed_from=datetime.date(2020, 1, 1),
    )
    ChildcarePlaces.objects.create(provider=nursery, mode="full_day", age_band="1_2", places=30)
    centre = ProviderFactory(kind=ProviderKind.DAY_CARE_CENTRE, beds=10, nursing_beds=0, day_capacity=40)
    attendance = Attendance.objects.create(provider=centre, day=datetime.date(2026, 11, 30), attended=28)
    return [group, child, worker, attendance]


def indicator_samples(division) -> list:
    """The county's population and community figures and a snapshot of its indicators."""
    return [
        PopulationFigure.objects.create(division=division, year=2024, population=800_000, source="区统计局"),
        CommunityCount.objects.create(division=division, year=2024, communities=90, source="区民政局"),
        IndicatorSnapshot.objects.create(
            indicator=Indicator.objects.get(code="nursing_bed_share"),
            division=division,
            month=datetime.date(2026, 1, 1),
            value=Decimal("60.00"),
            numerator=Decimal(60),
            denominator=Decimal(100),
        ),
    ]


def inspection_samples(provider, clerk, division) -> list:
    """A planned task, a draw, an inspection with a finding, and the clerk's notification."""
    regime = Regime.objects.get(code="BT-DISTRICT-SAFETY")
    task = InspectionTask.objects.create(
        provider=provider,
        regime=regime,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 12, 31),
        due_on=datetime.date(2026, 12, 31),
    )
    draw = Draw.objects.create(name="2026年第四季度双随机抽查", jurisdiction=division, sample_count=1, created_by=clerk)
    inspection = record_inspection(
        provider=provider,
        regime=regime,
        inspected_on=today(),
        recorded_by=clerk,
        task=task,
        checklist_results={"fire-exits": "fail"},
        findings=[FindingInput(category="fire", severity="general", description="安全出口堆放杂物")],
    )
    notification = Notification.objects.create(
        recipient=clerk,
        recipient_key=f"user:{clerk.pk}",
        kind="task_due",
        object_key=f"task:{task.pk}@-14",
        due_on=task.due_on,
        message="测试提醒",
    )
    handover = self_check_record(  # a provider's own log, sent through the portal (issue 18)
        provider=provider,
        kind=SelfCheck.Kind.DAILY,
        day=today(),
        results={item["code"]: "ok" for item in DAILY_ITEMS},
        people="夜班王某交白班李某",
        actor=clerk,
    )
    return [task, draw, inspection, inspection.findings.get(), notification, handover]


def subsidy_samples(provider, clerk, division) -> list:
    """A grant with an instalment, a run with a line, a batch with an item, a recovery."""
    construct = SubsidyScheme.objects.get(code="BT-CONSTRUCT-BED")
    operating = SubsidyScheme.objects.get(code="BT-OPERATING")
    grant = ConstructionGrant.objects.create(
        provider=provider,
        scheme=construct,
        basis="new_build",
        beds_claimed=10,
        floor_area_m2=Decimal("300"),
        eligible_beds=10,
        rate_amount=Decimal("5000"),
        total=Decimal("50000"),
        prepared_by=clerk,
    )
    instalment = Instalment.objects.create(grant=grant, number=1, year=2026, amount=Decimal("15000"))
    run = GrantRun.objects.create(
        scheme=operating, period=datetime.date(2026, 10, 1), division=division, created_by=clerk
    )
    line = GrantLine.objects.create(
        run=run,
        scheme=operating,
        provider=provider,
        period=run.period,
        quantity=1,
        rate=Decimal("100"),
        amount=Decimal("100"),
    )
    batch = PaymentBatch.objects.create(name="2026-10", division=division, payer_level="league_city", prepared_by=clerk)
    PaymentItem.objects.create(
        batch=batch,
        provider=provider,
        scheme=operating,
        period=run.period,
        grant_line=line,
        line_kind="regular",
        amount=Decimal("100"),
        payee=provider.name,
    )
    recovery = Recovery.objects.create(
        provider=provider, reason="测试", amount=Decimal("10"), opened_on=today(), opened_by=clerk
    )
    evaluation = OperationEvaluation.objects.create(
        provider=provider,
        scheme=SubsidyScheme.objects.get(code="BT-DAYCARE-AWARD"),
        year=2025,
        evaluated_on=datetime.date(2026, 1, 20),
        score=Decimal("88"),
        evaluator="评估组",
    )
    award = Award.objects.create(
        evaluation=evaluation,
        amount=Decimal("30000"),
        range_min=Decimal("10000"),
        range_max=Decimal("50000"),
        prepared_by=clerk,
    )
    # The provider has an open hold (above): an approved, unpaid line of an ended month,
    # after the month it was filed in, waits.
    Provider.objects.filter(pk=provider.pk).update(filed_on=datetime.date(2026, 1, 5))
    approved = GrantRun.objects.create(
        scheme=operating, period=datetime.date(2026, 9, 1), division=division, created_by=clerk, status="approved"
    )
    waiting = GrantLine.objects.create(
        run=approved, scheme=operating, provider=provider, period=approved.period, quantity=1, rate=100, amount=100
    )
    return [
        grant,
        instalment,
        run,
        line,
        batch,
        recovery,
        award,
        ProviderLedger.objects.get(pk=provider.pk),
        WithheldLine.objects.get(pk=waiting.pk),
        ProviderOnHold.objects.get(pk=provider.pk),
    ]


def overlap_samples(provider, clerk) -> list:
    """A stay sharing days with another provider's stay of the same person, and a decision."""
    other = ProviderFactory()
    shared = ResidentFactory(provider=provider, admitted_on=datetime.date(2026, 1, 1))
    ResidentFactory(provider=other, id_number=shared.id_number, admitted_on=datetime.date(2026, 3, 1))
    kept = ResidentFactory(provider=provider, admitted_on=datetime.date(2026, 1, 1))
    set_aside = ResidentFactory(provider=other, id_number=kept.id_number, admitted_on=datetime.date(2026, 2, 1))
    decision = OverlapDecision.objects.create(kept=kept, set_aside=set_aside, note="核对出院证明", decided_by=clerk)
    return [OverlappingStay.objects.get(pk=shared.pk), decision]


def sample_of(samples, model):
    obj = samples.get(model) or model._default_manager.first()
    if obj is None:
        pytest.fail(f"Add a sample {model._meta.label} to the samples fixture of {__name__}.")
    return obj


def pages(model, obj) -> dict[str, str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return {
        "changelist": reverse(f"{info}_changelist"),
        "add": reverse(f"{info}_add"),
        "change": reverse(f"{info}_change", args=[obj.pk]),
    }


def label(model) -> str:
    return model._meta.label


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_every_page_renders_for_a_superuser(samples, superuser, client_for, rf, model):
    client = client_for(superuser)
    request = rf.get("/")
    request.user = superuser
    add_allowed = admin.site._registry[model].has_add_permission(request)

    for page, url in pages(model, sample_of(samples, model)).items():
        expected = 403 if page == "add" and not add_allowed else 200
        assert client.get(url).status_code == expected, f"{page} {url}"


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_every_page_renders_or_is_refused_for_a_district_clerk(samples, clerk, client_for, rf, model):
    """The clerk's role (migration 0002) decides: pages it grants render, others are refused."""
    client = client_for(clerk)
    opts = model._meta
    may_view = clerk.has_perm(f"{opts.app_label}.view_{opts.model_name}") or clerk.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )
    request = rf.get("/")
    request.user = clerk
    may_add = admin.site._registry[model].has_add_permission(request)
    urls = pages(model, sample_of(samples, model))

    assert client.get(urls["changelist"]).status_code == (200 if may_view else 403), urls["changelist"]
    assert client.get(urls["add"]).status_code == (200 if may_add else 403), urls["add"]
    # Refused either as forbidden or, when the sample is outside the clerk's county, as missing.
    expected_change = {200} if may_view else {403, 404}
    assert client.get(urls["change"]).status_code in expected_change, urls["change"]


def test_the_district_clerk_role_opens_the_registry_pages_it_works_with(samples, clerk, client_for):
    # Guards the sweep above against a role that silently lost its permissions.
    client = client_for(clerk)
    for name in ["provider", "resident", "caregiver", "licence", "feeitem", "annualreport", "creditrecord"]:
        assert client.get(reverse(f"admin:registry_{name}_add")).status_code == 200, name
    for name in ["division", "providerstatuschange", "providerhold"]:
        assert client.get(reverse(f"admin:registry_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:index")).status_code == 200


def test_status_changes_cannot_be_added_or_edited_by_anyone(samples, superuser, client_for):
    change = samples[ProviderStatusChange]
    client = client_for(superuser)

    assert client.get(reverse("admin:registry_providerstatuschange_add")).status_code == 403
    page = client.get(reverse("admin:registry_providerstatuschange_change", args=[change.pk]))
    assert b'name="_save"' not in page.content
    response = client.post(reverse("admin:registry_providerstatuschange_delete", args=[change.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ProviderStatusChange.objects.filter(pk=change.pk).exists()


# --- the provider page ----------------------------------------------------------------------


def lifecycle_url(provider, action) -> str:
    return reverse("admin:registry_provider_lifecycle", args=[provider.pk, action])


def provider_in(status: str, actor) -> Provider:
    provider = ProviderFactory()
    steps = {
        S.DRAFT: [],
        S.FILED: [A.FILE],
        S.CERTIFIED: [A.FILE, A.CERTIFY],
        S.SUSPENDED: [A.FILE, A.CERTIFY, A.SUSPEND],
        S.CLOSED: [A.FILE, A.CLOSE],
        S.REVOKED: [A.FILE, A.REVOKE],
    }[status]
    for action in steps:
        transition(provider, action, actor)
    return provider


@pytest.mark.parametrize(
    "user, status, expected",
    [
        ("clerk", S.DRAFT, {A.FILE}),
        ("clerk", S.FILED, set()),
        ("reviewer", S.DRAFT, set()),
        ("reviewer", S.FILED, {A.CERTIFY, A.SUSPEND, A.CLOSE, A.REVOKE}),
        ("reviewer", S.CERTIFIED, {A.SUSPEND, A.CLOSE, A.REVOKE}),
        ("reviewer", S.SUSPENDED, {A.REINSTATE, A.CLOSE, A.REVOKE}),
        ("reviewer", S.CLOSED, set()),
        ("reviewer", S.REVOKED, set()),
        ("inspector", S.FILED, set()),
        ("superuser", S.DRAFT, {A.FILE}),
        ("superuser", S.CERTIFIED, {A.SUSPEND, A.CLOSE, A.REVOKE}),
    ],
)
def test_provider_page_offers_only_the_lifecycle_actions_allowed(
    divisions, superuser, request, client_for, user, status, expected
):
    provider = provider_in(status, superuser)

    response = client_for(request.getfixturevalue(user)).get(
        reverse("admin:registry_provider_change", args=[provider.pk])
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert {action for action in A if lifecycle_url(provider, action) in html} == expected


def test_lifecycle_form_opens_for_an_allowed_action(divisions, clerk, client_for):
    provider = ProviderFactory()

    response = client_for(clerk).get(lifecycle_url(provider, A.FILE))

    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert b'name="effective_on"' in response.content


def test_lifecycle_form_is_refused_without_the_permission(divisions, superuser, clerk, client_for):
    provider = provider_in(S.FILED, superuser)
    client = client_for(clerk)

    url = lifecycle_url(provider, A.CERTIFY)

    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "越权", "effective_on": today()}).status_code == 403
    assert Provider.objects.get(pk=provider.pk).status == S.FILED


def test_unknown_lifecycle_action_is_404(divisions, superuser, client_for):
    provider = ProviderFactory()

    assert client_for(superuser).get(lifecycle_url(provider, "delete")).status_code == 404


def test_posting_the_lifecycle_form_performs_the_transition(divisions, clerk, client_for):
    provider = ProviderFactory()
    client = client_for(clerk)

    response = client.post(lifecycle_url(provider, A.FILE), {"reason": "材料齐全", "effective_on": "2024-03-01"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:registry_provider_change", args=[provider.pk])
    provider.refresh_from_db()
    assert provider.status == S.FILED
    assert provider.filed_on == datetime.date(2024, 3, 1)
    change = provider.status_changes.get()
    assert (change.actor, change.reason) == (clerk, "材料齐全")
    page = client.get(response["Location"])
    assert "材料齐全" in page.content.decode()  # shown in the lifecycle inline
    assert [m.level_tag for m in page.context["messages"]] == ["success"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_lifecycle_form_without_a_reason_shows_an_error_and_changes_nothing(divisions, clerk, client_for, reason):
    provider = ProviderFactory()

    response = client_for(clerk).post(lifecycle_url(provider, A.FILE), {"reason": reason, "effective_on": today()})

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert Provider.objects.get(pk=provider.pk).status == S.DRAFT
    assert not provider.status_changes.exists()


def test_lifecycle_form_with_a_future_date_shows_an_error(divisions, clerk, client_for):
    provider = ProviderFactory()
    tomorrow = today() + datetime.timedelta(days=1)

    response = client_for(clerk).post(lifecycle_url(provider, A.FILE), {"reason": "提前", "effective_on": tomorrow})

    assert response.status_code == 200
    assert "effective_on" in response.context["form"].errors
    assert Provider.objects.get(pk=provider.pk).status == S.DRAFT


def test_lifecycle_form_refuses_a_transition_the_status_does_not_allow(divisions, reviewer, client_for):
    provider = ProviderFactory()

    with translation.override("en"):
        response = client_for(reviewer).post(
            lifecycle_url(provider, A.CERTIFY), {"reason": "跳过备案", "effective_on": today()}
        )

    assert response.status_code == 200
    assert "Draft" in " ".join(response.context["form"].non_field_errors())
    assert "Draft" in response.content.decode()
    assert Provider.objects.get(pk=provider.pk).status == S.DRAFT


def test_provider_page_shows_fire_status_and_residents_in_care(divisions, superuser, client_for):
    provider = ProviderFactory(built_on=datetime.date(1990, 1, 1), floor_area_m2=1200, investment_yuan=5_000_000)
    ResidentFactory.create_batch(2, provider=provider, care_level="disabled")
    ResidentFactory(provider=provider, discharged_on=datetime.date(2024, 2, 1))

    with translation.override("en"):
        response = client_for(superuser).get(reverse("admin:registry_provider_change", args=[provider.pk]))

    html = response.content.decode()
    assert "Exempt from fire filing" in html
    assert "Disabled: 2" in html


def test_provider_list_counts_residents_in_care_today(divisions, clerk, client_for):
    provider = ProviderFactory()
    ResidentFactory.create_batch(2, provider=provider)
    ResidentFactory(provider=provider, discharged_on=datetime.date(2024, 2, 1))
    ResidentFactory(provider=provider, admitted_on=today() + datetime.timedelta(days=3))

    response = client_for(clerk).get(reverse("admin:registry_provider_changelist"))

    assert [p.in_care for p in response.context["cl"].result_list] == [2]


def test_provider_picker_lists_providers_by_name(divisions, clerk, client_for):
    for name in ["Z院", "A院", "M院", "C院", "K院"]:
        ProviderFactory(name=name)

    response = client_for(clerk).get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": "licence", "field_name": "provider", "term": ""},
    )

    names = [row["text"] for row in response.json()["results"]]
    assert names == sorted(names)
