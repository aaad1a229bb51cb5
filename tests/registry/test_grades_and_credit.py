"""Grade history, credit disclosure (双公示) with objections, and annual report figures on
the provider's public page (issue 19), with the services behind them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from factories import AnnualReportFactory, CreditRecordFactory, ProviderFactory

from registry.credit import is_blacklisted
from registry.disclosure import (
    PUBLIC_CREDIT_KEYS,
    disclosure_save,
    objection_decide,
    objection_record,
    public_credit_entries,
)
from registry.grades import PUBLIC_GRADE_KEYS, grade_on, grade_record, grades_sync, public_grades
from registry.models import CreditDisclosure, CreditObjection, CreditRecord, Provider, ProviderGrade, ProviderStatus
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
CITY = "包头市民政局"
STANDARD = "《养老机构等级划分与评定》（GB/T 37276-2018）"


def today() -> datetime.date:
    return timezone.localdate()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, anchor: str) -> str:
    return text_of(html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0])


def page(provider: Provider, language: str = "/en") -> str:
    response = Client().get(f"{language}/providers/{provider.uscc}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def home(divisions) -> Provider:
    return ProviderFactory(status=ProviderStatus.CERTIFIED, name="信用测试养老院", certified_on=D(2021, 5, 1))


def penalty(provider: Provider, actor, **fields) -> CreditDisclosure:
    values = {
        "kind": CreditDisclosure.Kind.PENALTY,
        "decision_number": "包昆消行罚决字〔2026〕第0031号",
        "decided_on": today() - 40 * DAY,
        "authority": "包头市昆都仑区消防救援大队",
        "content": "消防设施未保持完好有效，责令改正，罚款人民币伍仟元。",
        "legal_basis": "《中华人民共和国消防法》第六十条第一款第一项",
        "penalty_type": CreditDisclosure.PenaltyType.FINE,
        "fine_yuan": Decimal("5000.00"),
        **fields,
    }
    return disclosure_save(disclosure=CreditDisclosure(provider=provider, **values), actor=actor)


def licence(provider: Provider, actor, **fields) -> CreditDisclosure:
    values = {
        "kind": CreditDisclosure.Kind.LICENCE,
        "decision_number": "JY31502030012345",
        "decided_on": D(2024, 3, 1),
        "authority": "包头市昆都仑区市场监督管理局",
        "content": "食品经营许可：单位食堂（养老机构食堂），热食类食品制售。",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        **fields,
    }
    return disclosure_save(disclosure=CreditDisclosure(provider=provider, **values), actor=actor)


# --- grades -------------------------------------------------------------------------------


def test_a_new_grade_closes_the_open_one_the_day_before_and_becomes_current(home, superuser):
    first = grade_record(
        provider=home, grade=2, assessor=CITY, assessed_on=D(2022, 6, 1), valid_from=D(2022, 7, 1), actor=superuser
    )
    second = grade_record(
        provider=home, grade=4, assessor=CITY, assessed_on=D(2025, 6, 1), valid_from=D(2025, 7, 1), actor=superuser
    )

    first.refresh_from_db()
    assert first.valid_until == D(2025, 6, 30)
    assert second.standard == STANDARD and second.valid_until is None
    assert Provider.objects.get(pk=home.pk).grade == 4
    assert grade_on([home.pk], D(2025, 6, 30)) == {home.pk: 2}
    assert grade_on([home.pk], D(2025, 7, 1)) == {home.pk: 4}
    assert grade_on([home.pk], D(2021, 1, 1)) == {home.pk: 0}
    entries = AuditEntry.objects.filter(action="grade.record", object_id=str(second.pk))
    assert entries.count() == 1 and entries.get().after["closed_grade"]["valid_until"] == "2025-06-30"


def test_a_grade_overlapping_another_is_refused(home, superuser):
    grade_record(
        provider=home,
        grade=3,
        assessor=CITY,
        assessed_on=D(2023, 1, 1),
        valid_from=D(2023, 1, 1),
        valid_until=D(2025, 12, 31),
        actor=superuser,
    )

    with pytest.raises(ValidationError) as refused:
        grade_record(
            provider=home, grade=2, assessor=CITY, assessed_on=D(2024, 1, 1), valid_from=D(2024, 1, 1), actor=superuser
        )
    assert "与2023-01-01至2025-12-31的3★等级重叠" in str(refused.value)
    with pytest.raises(ValidationError):  # assessed after it was valid: the dates are out of order
        grade_record(
            provider=home, grade=2, assessor=CITY, assessed_on=D(2026, 2, 1), valid_from=D(2026, 1, 1), actor=superuser
        )
    assert ProviderGrade.objects.filter(provider=home).count() == 1


def test_grade_on_reads_many_providers_in_one_query(divisions):
    providers = [ProviderFactory(grade=g) for g in (1, 3, 0, 5)]
    ids = [p.pk for p in providers]

    with CaptureQueriesContext(connection) as queries:
        grades = grade_on(ids, today())

    assert len(queries) == 1
    assert grades == dict(zip(ids, (1, 3, 0, 5), strict=True))


def test_the_daily_sync_unrates_an_expired_grade_and_starts_a_new_one_once(home, superuser):
    grade_record(
        provider=home,
        grade=3,
        assessor=CITY,
        assessed_on=D(2023, 1, 1),
        valid_from=D(2023, 1, 1),
        valid_until=today() - DAY,
        actor=superuser,
    )
    later = ProviderFactory(status=ProviderStatus.CERTIFIED)
    grade_record(provider=later, grade=2, assessor=CITY, assessed_on=today(), valid_from=today() + DAY, actor=superuser)
    Provider.objects.filter(pk=home.pk).update(grade=3)  # yesterday's value, before the task ran

    assert grades_sync(today()) == 1
    assert Provider.objects.get(pk=home.pk).grade == 0
    assert Provider.objects.get(pk=later.pk).grade == 0
    assert grades_sync(today()) == 0  # idempotent
    assert grades_sync(today() + DAY) == 1
    assert Provider.objects.get(pk=later.pk).grade == 2
    assert AuditEntry.objects.filter(action="grade.sync").count() == 2


def test_the_page_shows_the_current_grade_with_its_date_standard_and_body_and_the_history(home, superuser):
    grade_record(
        provider=home, grade=2, assessor="昆都仑区民政局", assessed_on=D(2021, 6, 1), valid_from=D(2021, 7, 1),
        actor=superuser,
    )  # fmt: skip
    grade_record(
        provider=home,
        grade=4,
        assessor="包头市养老服务行业协会",
        assessed_on=D(2024, 9, 10),
        valid_from=D(2024, 10, 1),
        valid_until=D(2027, 9, 30),
        notes="内部备注：复评材料齐全",
        actor=superuser,
    )
    html = page(home)
    grades = section(html, "grades")

    assert "Grade ★★★★ (4)" in text_of(html)
    assert "Current grade ★★★★ (4)" in grades
    assert "Assessed on 2024-09-10" in grades
    assert f"Rating standard {STANDARD}" in grades
    assert "Rating body 包头市养老服务行业协会" in grades
    assert "Valid from 2024-10-01" in grades and "Valid until 2027-09-30" in grades
    assert "Earlier grades" in grades
    assert "★★ (2) 2021-07-01 2024-09-30 昆都仑区民政局" in grades
    assert "内部备注" not in html  # a clerk's notes are not published


def test_an_unrated_provider_says_so(home):
    assert "Not rated" in section(page(home), "grades")
    assert "Earlier grades" not in page(home)


# --- credit disclosure ---------------------------------------------------------------------


def test_licences_penalties_and_blacklistings_are_public_with_authority_and_basis(home, superuser):
    licence(home, superuser)
    fine = penalty(home, superuser)
    CreditRecordFactory(
        provider=home,
        kind=CreditRecord.Kind.BLACKLIST,
        start_on=D(2025, 3, 1),
        end_on=D(2028, 2, 29),
        source=CITY,
        description="以虚报入住人数方式骗取运营补贴，列入严重失信主体名单。",
    )
    credit = section(page(home), "credit")

    assert "Administrative licence" in credit and "包头市昆都仑区市场监督管理局" in credit
    assert "《中华人民共和国食品安全法》第三十五条" in credit and "JY31502030012345" in credit
    assert "Administrative penalty Fine" in credit
    assert fine.decision_number in credit and "包头市昆都仑区消防救援大队" in credit
    assert "《中华人民共和国消防法》第六十条第一款第一项" in credit
    assert "Fine: 5,000.00 yuan" in credit
    # Published for three years from the decision when no end is given.
    assert f"{fine.decided_on:%Y-%m-%d} – {fine.publish_until:%Y-%m-%d}" in credit
    assert fine.publish_until == fine.decided_on.replace(year=fine.decided_on.year + 3)
    assert "Blacklist" in credit and "2025-03-01 – 2028-02-29" in credit
    assert "骗取运营补贴" in credit


def test_a_penalty_past_its_publication_period_is_not_shown(home, superuser):
    old = penalty(
        home,
        superuser,
        decision_number="包昆民罚决字〔2022〕第0003号",
        decided_on=today() - 400 * DAY,
        publish_until=today() - 30 * DAY,
        content="旧处罚：未按规定公示收费标准。",
    )
    ended = CreditRecordFactory(
        provider=home, kind=CreditRecord.Kind.BLACKLIST, start_on=D(2020, 1, 1), end_on=today() - DAY, source=CITY
    )
    html = page(home)

    assert old.decision_number not in html and "旧处罚" not in html
    assert public_credit_entries(home) == []
    assert "No credit information published." in section(html, "credit")
    assert ended.pk  # a blacklisting that has ended is off the list too


@override_settings(CREDIT_PENALTY_PUBLICATION_YEARS=(1, 3))
def test_a_penalty_is_published_for_one_to_three_years(home, superuser):
    decided = D(2026, 1, 10)
    with pytest.raises(ValidationError) as short:
        penalty(home, superuser, decided_on=decided, publish_until=D(2026, 6, 30))
    with pytest.raises(ValidationError):
        penalty(home, superuser, decided_on=decided, publish_until=D(2029, 1, 11))
    with pytest.raises(ValidationError):  # a fine needs its amount
        penalty(home, superuser, decided_on=decided, fine_yuan=None)

    assert "最早为2027-01-10，最晚为2029-01-10" in str(short.value)
    assert penalty(home, superuser, decided_on=decided, publish_until=D(2027, 1, 10)).pk


def test_an_objection_under_review_is_shown_and_its_grounds_never_are(home, superuser):
    fine = penalty(home, superuser)
    objection_record(
        entry=fine,
        received_on=today() - 3 * DAY,
        raised_by="机构法定代表人王某某，电话13912345678",
        grounds="我院已于处罚前完成整改，有整改照片为证（私密材料）。",
        actor=superuser,
    )
    html = page(home)
    credit = section(html, "credit")

    assert "Objection under review" in credit
    assert "私密材料" not in html and "13912345678" not in html and "王某某" not in html
    entry = public_credit_entries(home)[0]
    assert tuple(entry) == PUBLIC_CREDIT_KEYS
    assert entry["objection"] == {
        "status": "received",
        "received_on": today() - 3 * DAY,
        "decided_on": None,
        "outcome": "",
    }
    with pytest.raises(ValidationError):  # one open objection per entry
        objection_record(entry=fine, received_on=today(), raised_by="某", grounds="再次", actor=superuser)


def test_an_upheld_objection_shows_the_corrected_text_and_not_the_original_as_current(home, superuser):
    fine = penalty(home, superuser)
    original = fine.content
    objection = objection_record(
        entry=fine, received_on=today() - 10 * DAY, raised_by="机构", grounds="罚款金额登记有误", actor=superuser
    )
    objection_decide(
        objection=objection,
        upheld=True,
        decided_on=today() - 2 * DAY,
        outcome_text="经复核，处罚决定书载明罚款金额为叁仟元，原公示信息有误，予以更正。",
        corrected_content="消防设施未保持完好有效，责令改正，罚款人民币叁仟元。",
        corrected_fine_yuan=Decimal("3000.00"),
        actor=superuser,
    )
    html = page(home)
    credit = section(html, "credit")

    assert "Fine: 3,000.00 yuan" in credit and "5,000.00" not in credit

    assert f"Corrected {today() - 2 * DAY:%Y-%m-%d}" in credit
    assert "罚款人民币叁仟元" in credit and original not in html
    assert "予以更正" in credit  # the outcome is public
    assert "罚款金额登记有误" not in html  # the grounds are not
    assert "Objection under review" not in credit
    objection.refresh_from_db()
    fine.refresh_from_db()
    assert objection.original_content == original and objection.status == CreditObjection.Status.UPHELD
    assert fine.history.filter(content=original).exists()  # the original is kept in history
    assert AuditEntry.objects.filter(action="credit_objection.decide", object_id=str(objection.pk)).exists()


def test_a_rejected_objection_leaves_the_entry_with_its_outcome(home, superuser):
    fine = penalty(home, superuser)
    objection = objection_record(
        entry=fine, received_on=today() - 5 * DAY, raised_by="机构", grounds="不服", actor=superuser
    )
    with pytest.raises(ValidationError):  # an upheld objection needs the corrected text
        objection_decide(objection=objection, upheld=True, decided_on=today(), outcome_text="成立", actor=superuser)
    with pytest.raises(ValidationError):  # a rejected one corrects nothing
        objection_decide(
            objection=objection,
            upheld=False,
            decided_on=today(),
            outcome_text="不成立",
            corrected_fine_yuan=Decimal("1.00"),
            actor=superuser,
        )
    objection_decide(
        objection=objection, upheld=False, decided_on=today(), outcome_text="异议理由不成立。", actor=superuser
    )
    credit = section(page(home), "credit")

    assert fine.content in credit
    assert f"Objection rejected {today():%Y-%m-%d}: 异议理由不成立。" in credit


def test_an_annulled_blacklisting_is_withdrawn_and_no_longer_pauses_payments(home, superuser):
    listing = CreditRecordFactory(
        provider=home, kind=CreditRecord.Kind.BLACKLIST, start_on=today() - 30 * DAY, end_on=None, source=CITY
    )
    assert is_blacklisted(home, today())
    objection = objection_record(
        entry=listing, received_on=today() - 20 * DAY, raised_by="机构", grounds="认定错误", actor=superuser
    )
    objection_decide(
        objection=objection,
        upheld=True,
        withdraws_entry=True,
        decided_on=today() - DAY,
        outcome_text="列入决定已撤销。",
        actor=superuser,
    )

    listing.refresh_from_db()
    assert listing.withdrawn_on == today() - DAY
    assert not is_blacklisted(home, today())
    assert public_credit_entries(home) == []
    assert "Blacklist" not in section(page(home), "credit")


# --- annual reports -------------------------------------------------------------------------


def test_annual_report_figures_are_shown_only_once_published(home):
    figures = {
        "total_income": Decimal("1250000.00"),
        "total_expenditure": Decimal("1180000.50"),
        "total_assets": Decimal("3400000.00"),
        "subsidies_received": Decimal("360000.00"),
        "subsidies_used": Decimal("355000.00"),
    }
    AnnualReportFactory(provider=home, year=2025, submitted_on=D(2026, 3, 1), published_on=None, **figures)
    AnnualReportFactory(
        provider=home,
        year=2024,
        submitted_on=D(2025, 3, 1),
        published_on=D(2025, 4, 1),
        **{name: value / 2 for name, value in figures.items()},
    )
    AnnualReportFactory(provider=home, year=2021, submitted_on=D(2022, 3, 1), published_on=D(2022, 4, 1))
    reports = section(page(home), "reports")

    assert "2025: submitted, not yet published" in reports
    assert "2024: published 2025-04-01" in reports
    assert "Total income (yuan) 625,000.00" in reports
    assert "Total expenditure (yuan) 590,000.25" in reports
    assert "Government subsidies used (yuan) 177,500.00" in reports
    assert "1,250,000.00" not in reports  # the unpublished year's figures
    header = reports.split("Total income", 1)[0]
    assert "Item 2024 2021" in header and "2025" not in header.split("Item", 1)[1]


# --- the page stays cheap -------------------------------------------------------------------


def queries_for(provider: Provider) -> int:
    client = Client()
    client.get(f"/providers/{provider.uscc}/")  # warm: sessions, translations, caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/providers/{provider.uscc}/").status_code == 200
    return len(queries)


def test_the_page_queries_do_not_grow_with_the_history(divisions, superuser):
    plain = ProviderFactory(status=ProviderStatus.CERTIFIED)
    rich = ProviderFactory(status=ProviderStatus.CERTIFIED, grade=0)
    for year in range(2019, 2026):
        grade_record(
            provider=rich,
            grade=1 + year % 5,
            assessor=CITY,
            assessed_on=D(year, 1, 1),
            valid_from=D(year, 1, 1),
            actor=superuser,
        )
        AnnualReportFactory(provider=rich, year=year - 1, submitted_on=D(year, 3, 1), published_on=D(year, 4, 1))
        CreditRecordFactory(provider=rich, kind=CreditRecord.Kind.COMMENDATION, start_on=D(year, 5, 1))
    for n in range(5):
        fine = penalty(rich, superuser, decision_number=f"罚{n}")
        licence(rich, superuser, decision_number=f"许{n}")
        objection_record(entry=fine, received_on=today(), raised_by="机构", grounds="不服", actor=superuser)

    assert len(public_grades(rich)) == 7 and len(public_credit_entries(rich)) == 17
    assert queries_for(rich) == queries_for(plain)


def test_public_grade_keys_are_the_documented_ones(home, superuser):
    grade_record(provider=home, grade=3, assessor=CITY, assessed_on=D(2024, 1, 1), valid_from=D(2024, 1, 1),
                 notes="内部", actor=superuser)  # fmt: skip

    grades = public_grades(home)

    assert [tuple(g) for g in grades] == [PUBLIC_GRADE_KEYS]
    assert grades[0]["in_force"] and grades[0]["grade"] == 3
