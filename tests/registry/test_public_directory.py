"""The public directory's list and detail pages over the whole demo data (issue 5).

Filters, sorting and pagination are checked against ``public_support.expected_providers``,
which recomputes residents in care, vacancies and monthly fees in Python from the rows.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from downloads import file_bytes
from factories import AnnualReportFactory, FeeItemFactory, ProviderFactory, ResidentFactory, division
from public_support import (
    CJK,
    RARE_EARTH_ZONE,
    Expected,
    Page,
    expected_providers,
    listed,
    pay,
    query_of,
    record_demo_inspection,
    today,
)

from registry.lifecycle import provider_transition
from registry.models import (
    FeeItem,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    StatusReason,
)
from registry.views import PAGE_SIZES
from subsidies.models import SubsidyScheme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]

KUNDULUN = "150203"
BAOTOU = "150200"


def matching(predicate: Any) -> set[str]:
    return {uscc for uscc, row in expected_providers().items() if predicate(row)}


def in_division(row: Expected, code: str) -> bool:
    return f"/{code}/" in f"/{row.path}"


# --------------------------------------------------------------------------- filters


def test_without_filters_every_certified_provider_is_listed_once_by_name(client: Client) -> None:
    usccs = listed(client)

    assert len(usccs) == len(set(usccs)) == 41
    assert set(usccs) == set(expected_providers())
    names = list(Provider.objects.filter(uscc__in=usccs).order_by("name", "pk").values_list("uscc", flat=True))
    assert usccs == names


@pytest.mark.parametrize("keyword", ["养老", "阳光", "钢铁大街", "萨拉齐镇", "托育 青山区", "昆都仑区 日间照料"])
def test_keyword_matches_every_word_in_name_or_address(client: Client, keyword: str) -> None:
    words = keyword.split()
    expected = matching(lambda row: all(w in row.name or w in row.address for w in words))

    assert expected  # the demo has matches for each keyword
    assert set(listed(client, {"q": keyword})) == expected


def test_keyword_finds_a_provider_by_its_address_alone(client: Client) -> None:
    provider = ProviderFactory(
        status=ProviderStatus.CERTIFIED, name="康宁护理院", address="包头市昆都仑区团结大街9999号"
    )

    assert listed(client, {"q": "9999号"}) == [provider.uscc]
    assert listed(client, {"q": "无此地址"}) == []


@pytest.mark.parametrize("code", [KUNDULUN, "150202", "150221", RARE_EARTH_ZONE])
def test_county_filter_includes_only_that_county(client: Client, code: str) -> None:
    expected = matching(lambda row: in_division(row, code))

    assert expected
    assert set(listed(client, {"county": code})) == expected


def test_the_rare_earth_zone_is_found_by_its_own_code_and_kundulun_does_not_swallow_it(client: Client) -> None:
    zone = set(listed(client, {"county": RARE_EARTH_ZONE}))
    kundulun = set(listed(client, {"county": KUNDULUN}))
    names = set(Provider.objects.filter(uscc__in=zone).values_list("name", flat=True))

    assert names == {
        "稀土高新区康乐养老服务中心",
        "稀土高新区社区老年人日间照料中心(滨河)",
        "稀土高新区童心托育中心",
        "稀土高新区万水泉社区托育点",
    }
    assert not zone & kundulun
    assert set(listed(client, {"league": BAOTOU, "county": RARE_EARTH_ZONE})) == zone


def test_league_filter_and_league_then_county(client: Client) -> None:
    hohhot = ProviderFactory(status=ProviderStatus.CERTIFIED, division=division("150102"), name="新城区敬老院")

    assert set(listed(client, {"league": "150100"})) == {hohhot.uscc}
    assert set(listed(client, {"league": BAOTOU})) == set(expected_providers()) - {hohhot.uscc}
    assert set(listed(client, {"league": BAOTOU, "county": KUNDULUN})) == matching(
        lambda row: in_division(row, KUNDULUN)
    )
    assert listed(client, {"league": "150100", "county": KUNDULUN}) == []


@pytest.mark.parametrize(
    ("param", "choices", "attribute"),
    [
        ("kind", ProviderKind.values, "kind"),
        ("legal_form", LegalForm.values, "legal_form"),
        ("operation_mode", OperationMode.values, "operation_mode"),
    ],
)
def test_choice_filters(client: Client, param: str, choices: list[str], attribute: str) -> None:
    seen = set()
    for value in choices:
        expected = matching(lambda row, value=value: getattr(row, attribute) == value)
        assert set(listed(client, {param: value})) == expected, value
        seen |= expected
    assert seen == set(expected_providers())


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_minimum_grade(client: Client, grade: int) -> None:
    expected = matching(lambda row: row.grade >= grade)

    assert expected
    assert set(listed(client, {"min_grade": grade})) == expected


@pytest.mark.parametrize(
    ("param", "predicate"),
    [
        ("nursing", lambda row: row.nursing_beds > 0),
        ("vacancies", lambda row: (row.vacancies or 0) > 0),
        ("medical", lambda row: row.has_medical_unit),
    ],
)
def test_checkbox_filters(client: Client, param: str, predicate: Any) -> None:
    expected = matching(predicate)

    assert expected and expected != set(expected_providers())
    assert set(listed(client, {param: "on"})) == expected
    assert set(listed(client, {param: ""})) == set(expected_providers())  # unticked: no filter


def test_vacancies_are_beds_minus_residents_in_care_today(client: Client) -> None:
    day = today()
    full = ProviderFactory(status=ProviderStatus.CERTIFIED, beds=2, nursing_beds=0, name="满员养老院")
    ResidentFactory.create_batch(2, provider=full, admitted_on=day - datetime.timedelta(days=30))
    one_left = ProviderFactory(status=ProviderStatus.CERTIFIED, beds=2, nursing_beds=0, name="余一床养老院")
    ResidentFactory(provider=one_left, admitted_on=day - datetime.timedelta(days=30))
    # Not in care today: discharged yesterday, admitted tomorrow.
    ResidentFactory(
        provider=one_left,
        admitted_on=day - datetime.timedelta(days=60),
        discharged_on=day - datetime.timedelta(days=1),
    )
    ResidentFactory(provider=one_left, admitted_on=day + datetime.timedelta(days=1))
    overfull = ProviderFactory(status=ProviderStatus.CERTIFIED, beds=1, nursing_beds=0, name="超员养老院")
    ResidentFactory.create_batch(2, provider=overfull, admitted_on=day - datetime.timedelta(days=3))

    with_vacancies = set(listed(client, {"vacancies": "on"}))

    assert full.uscc not in with_vacancies and overfull.uscc not in with_vacancies
    assert one_left.uscc in with_vacancies
    assert with_vacancies == matching(lambda row: (row.vacancies or 0) > 0)
    rows = {p.uscc: p for p, _, _ in client.get("/providers/", {"q": "养老院", "size": 100}).context["rows"]}
    assert (rows[full.uscc].vacancies, rows[one_left.uscc].vacancies, rows[overfull.uscc].vacancies) == (0, 1, 0)


@pytest.mark.parametrize(("low", "high"), [("2000", "3000"), ("3000", ""), ("", "500"), ("exact", "exact")])
def test_monthly_fee_range(client: Client, low: str, high: str) -> None:
    if low == "exact":  # both bounds on a fee a demo provider charges: that provider is in
        fees = sorted(row.monthly_fee for row in expected_providers().values() if row.monthly_fee is not None)
        low = high = str(fees[len(fees) // 2])

    def within(row: Expected) -> bool:
        if row.monthly_fee is None:
            return False
        return (not low or row.monthly_fee >= Decimal(low)) and (not high or row.monthly_fee <= Decimal(high))

    expected = matching(within)

    assert expected
    assert set(listed(client, {"fee_min": low, "fee_max": high})) == expected


def test_monthly_fee_counts_only_monthly_items_in_force(client: Client) -> None:
    day = today()
    provider = ProviderFactory(status=ProviderStatus.CERTIFIED, name="收费测试养老院")
    FeeItemFactory(provider=provider, kind=FeeItem.Kind.BED, amount=Decimal("1000.00"))
    FeeItemFactory(provider=provider, kind=FeeItem.Kind.MEAL, name="伙食费", amount=Decimal("600.00"))
    FeeItemFactory(provider=provider, kind=FeeItem.Kind.MEAL, name="午餐", unit=FeeItem.Unit.DAY, amount=15)
    FeeItemFactory(provider=provider, kind=FeeItem.Kind.OTHER, name="押金", unit=FeeItem.Unit.ONCE, amount=3000)
    FeeItemFactory(
        provider=provider, name="旧床位费", amount=Decimal("900.00"), effective_to=day - datetime.timedelta(days=1)
    )
    FeeItemFactory(
        provider=provider, name="新床位费", amount=Decimal("1200.00"), effective_from=day + datetime.timedelta(1)
    )

    assert expected_providers()[provider.uscc].monthly_fee == Decimal("1600.00")
    assert provider.uscc in listed(client, {"fee_min": "1600", "fee_max": "1600"})
    assert provider.uscc not in listed(client, {"fee_min": "1601"})


def test_monthly_fee_is_what_one_resident_pays_at_the_cheapest_grade(client: Client) -> None:
    provider = Provider.objects.get(name="东河区仁爱养老院")
    items = {f.name: f.amount for f in provider.fee_items.filter(unit=FeeItem.Unit.MONTH)}
    cheapest = items["床位费(双人间)"] + items["伙食费"] + min(v for k, v in items.items() if k.startswith("护理费"))

    assert provider.uscc in listed(client, {"fee_max": str(cheapest)})


def test_invalid_filter_values_do_not_break_the_page(client: Client) -> None:
    for params in ({"min_grade": "9"}, {"fee_min": "abc"}, {"county": "999999"}, {"sort": "secret"}):
        response = client.get("/providers/", params)
        assert response.status_code == 200, params


def test_an_invalid_filter_is_reported_and_the_valid_ones_still_apply(client: Client) -> None:
    response = client.get("/en/providers/", {"county": KUNDULUN, "min_grade": "9", "size": 100})
    shown = {p.uscc for p, _, _ in response.context["rows"]}

    assert shown == matching(lambda row: in_division(row, KUNDULUN))
    assert 'role="alert"' in response.content.decode()  # the error is shown next to the field


# --------------------------------------------------------------------------- sorting


@pytest.mark.parametrize("field", ["grade", "vacancies", "beds"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_by_number(client: Client, field: str, descending: bool) -> None:
    usccs = listed(client, {"sort": f"-{field}" if descending else field})
    values = [getattr(expected_providers()[u], field) for u in usccs]
    # A provider with no such figure (a day-care centre's vacancies) comes last either way.
    known = [value for value in values if value is not None]

    assert set(usccs) == set(expected_providers())
    assert values == sorted(known, reverse=descending) + [None] * (len(values) - len(known))


def test_sort_by_name_descending(client: Client) -> None:
    assert listed(client, {"sort": "-name"}) == listed(client, {"sort": "name"})[::-1]


@pytest.mark.parametrize("sort", ["grade", "-grade", "vacancies", "-vacancies", "beds", "-beds"])
def test_sorted_pages_of_20_neither_repeat_nor_skip_providers(client: Client, sort: str) -> None:
    """Most providers share a grade, a bed count or a vacancy count: ties need a total order."""
    ProviderFactory.create_batch(80, status=ProviderStatus.CERTIFIED, grade=0, beds=50, nursing_beds=0)
    usccs = []
    for page in range(1, 8):
        response = client.get("/providers/", {"sort": sort, "size": 20, "page": page})
        usccs += [p.uscc for p, _, _ in response.context["rows"]]
    ordering = response.context["page"].paginator.object_list.query.order_by

    assert len(usccs) == len(set(usccs)) == 121
    assert ordering[-1] in {"pk", "-pk", "id"}  # a unique key last: the same order on every page


def test_sort_labels_follow_the_language(client: Client) -> None:
    """Descending labels too: django-filter formats them once, at import, in whatever language."""

    def sort_options(url: str) -> list[str]:
        html = client.get(url).content.decode()
        select = re.search(r'<select name="sort".*?</select>', html, re.S)
        assert select
        return [text.strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", select.group())]

    zh, en = sort_options("/providers/"), sort_options("/en/providers/")

    assert len(zh) == len(en) == 8
    assert all(CJK.search(label) and "descending" not in label for label in zh), zh
    assert not any(CJK.search(label) for label in en), en
    assert "Grade (descending)" in en


# --------------------------------------------------------------------------- pagination


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_page_sizes_and_result_count(client: Client, size: int) -> None:
    ProviderFactory.create_batch(80, status=ProviderStatus.CERTIFIED)  # 121 certified in all
    response = client.get("/providers/", {"size": size})
    page = response.context["page"]

    assert page.paginator.count == 121
    assert page.paginator.per_page == size
    assert len(response.context["rows"]) == min(size, 121)
    assert re.search(r'<p role="status">[^<]*共找到121家机构', response.content.decode())


def test_result_count_is_shown_in_both_languages(client: Client) -> None:
    zh = client.get("/providers/", {"county": RARE_EARTH_ZONE}).content.decode()
    en = client.get("/en/providers/", {"county": RARE_EARTH_ZONE}).content.decode()

    assert re.search(r'role="status">\s*共找到4家机构。', zh)
    assert "4 providers found." in en


def test_unknown_page_size_falls_back_to_20(client: Client) -> None:
    for size in ("7", "1000", "abc"):
        assert client.get("/providers/", {"size": size}).context["page"].paginator.per_page == 20


def test_pagination_and_csv_links_keep_the_filters(client: Client) -> None:
    ProviderFactory.create_batch(30, status=ProviderStatus.CERTIFIED, nursing_beds=10)
    params = {"q": "养老", "league": BAOTOU, "nursing": "on", "sort": "-beds", "size": "20"}
    response = client.get("/providers/", params)
    page = Page(response.content.decode())
    next_links = [link for link in page.links if link.get("rel") == "next"]

    assert len(next_links) == 1
    next_query = query_of(next_links[0]["href"])
    assert {k: v[0] for k, v in next_query.items()} == {**params, "page": "2"}

    second = client.get("/providers/", {k: v[0] for k, v in next_query.items()})
    previous = [link for link in Page(second.content.decode()).links if link.get("rel") == "prev"]
    assert {k: v[0] for k, v in query_of(previous[0]["href"]).items()} == {**params, "page": "1"}
    first_two = [p.uscc for p, _, _ in response.context["rows"]] + [p.uscc for p, _, _ in second.context["rows"]]
    assert len(set(first_two)) == len(first_two)

    csv_links = [link for link in page.links if link["href"].startswith("/providers.csv")]
    assert len(csv_links) == 1
    csv_query = {k: v[0] for k, v in query_of(csv_links[0]["href"]).items()}
    assert csv_query == {k: v for k, v in params.items() if k != "size"}


def test_filters_are_kept_in_the_form_so_results_can_be_bookmarked(client: Client) -> None:
    html = client.get(
        "/providers/", {"q": "托育", "county": RARE_EARTH_ZONE, "min_grade": "1", "vacancies": "on", "size": "50"}
    ).content.decode()

    assert 'name="q" value="托育"' in html
    assert f'<option value="{RARE_EARTH_ZONE}" selected>' in html
    assert '<option value="1" selected>' in html
    assert 'name="vacancies" id="id_vacancies" checked' in html or 'checked name="vacancies"' in html
    assert '<option value="50" selected>' in html


# --------------------------------------------------------------------------- visibility


@pytest.mark.parametrize(
    "status",
    [
        ProviderStatus.DRAFT,
        ProviderStatus.FILED,
        ProviderStatus.SUSPENDED,
        ProviderStatus.CLOSED,
        ProviderStatus.REVOKED,
    ],
)
def test_only_certified_providers_are_listed_and_every_filed_one_has_a_page(client: Client, status: str) -> None:
    hidden = Provider.objects.filter(status=status)
    assert hidden.exists()  # the demo has each status
    listed_usccs = set(listed(client))
    api = client.get("/api/providers/").json()
    csv_text = file_bytes(client.get("/providers.csv")).decode("utf-8-sig")
    sitemap = client.get("/sitemap.xml").content.decode()

    # A draft was never filed and has no page; any other provider's page says its status.
    page_status = 404 if status == ProviderStatus.DRAFT else 200
    for provider in hidden:
        assert provider.uscc not in listed_usccs
        assert client.get(f"/providers/{provider.uscc}/").status_code == page_status
        assert client.get(f"/en/providers/{provider.uscc}/").status_code == page_status
        assert client.get(f"/providers/{provider.uscc.lower()}/").status_code == page_status
        assert provider.uscc not in csv_text
        assert provider.uscc not in {row["uscc"] for row in api["results"]}
        assert provider.uscc not in sitemap
        assert listed(client, {"q": provider.name}) == []


def test_a_provider_leaves_the_list_when_suspended_and_its_page_says_so(client: Client, superuser) -> None:
    provider = Provider.objects.get(name="东河区仁爱养老院")
    assert client.get(f"/providers/{provider.uscc}/").status_code == 200

    provider_transition(
        provider=provider,
        action=ProviderStatusChange.Action.SUSPEND,
        reason="消防通道堵塞",
        reason_category=StatusReason.SAFETY,
        effective_on=today(),
        actor=superuser,
    )

    page = client.get(f"/providers/{provider.uscc}/")
    assert page.status_code == 200 and 'class="status-notice status-suspended"' in page.content.decode()
    assert provider.uscc not in listed(client)


def test_unknown_uscc_is_404(client: Client) -> None:
    assert client.get("/providers/911502030000000000/").status_code == 404
    assert client.get("/providers/not-a-code/").status_code == 404


def test_lowercase_uscc_in_the_url_shows_the_provider(client: Client) -> None:
    provider = next(p for p in Provider.objects.filter(status=ProviderStatus.CERTIFIED) if p.uscc != p.uscc.lower())

    response = client.get(f"/providers/{provider.uscc.lower()}/")

    assert response.status_code == 200
    assert response.context["provider"].pk == provider.pk
    assert client.get(f"/en/providers/{provider.uscc.lower()}/").status_code == 200


# --------------------------------------------------------------------------- detail


@pytest.fixture
def home() -> Provider:
    """A certified demo provider with beds, residents, fees and annual reports."""
    return Provider.objects.get(name="东河区仁爱养老院")


def text_of(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_detail_shows_capacity_grade_and_dates(client: Client, home: Provider) -> None:
    expected = expected_providers()[home.uscc]
    html = client.get(f"/en/providers/{home.uscc}/").content.decode()
    text = text_of(html)

    assert f"<h1>{home.name}</h1>" in html
    assert f"Beds {home.beds} " in text
    assert f"Nursing-type beds {home.nursing_beds} " in text
    assert f"Occupancy Vacant beds: {expected.vacancies} (as of {today():%Y-%m-%d})" in text
    assert expected.vacancies == home.beds - expected.in_care > 0
    assert f"Grade {'★' * home.grade} ({home.grade})" in text
    assert f"Certified on {home.certified_on:%Y-%m-%d}" in text
    assert f"Phone {home.contact_phone} " in text
    assert home.address in text and home.uscc in text


def test_detail_shows_fee_items_in_force_only(client: Client, home: Provider) -> None:
    day = today()
    FeeItemFactory(provider=home, kind=FeeItem.Kind.OTHER, name="一次性评估费", unit=FeeItem.Unit.ONCE, amount=200)
    FeeItemFactory(provider=home, name="已停用收费", effective_to=day - datetime.timedelta(days=1))
    FeeItemFactory(provider=home, name="明年起收费", effective_from=day + datetime.timedelta(days=1))
    html = client.get(f"/en/providers/{home.uscc}/").content.decode()
    text = text_of(html)

    in_force = home.fee_items.filter(effective_from__lte=day).exclude(effective_to__lt=day)
    assert in_force.count() >= 5
    for fee in in_force:
        assert f"{fee.name} {fee.amount} {fee.get_unit_display()} {fee.effective_from:%Y-%m-%d}" in text
    assert "一次性评估费 200.00 one-off" in text
    assert "已停用收费" not in html and "明年起收费" not in html


def test_detail_shows_annual_report_status(client: Client) -> None:
    provider = ProviderFactory(status=ProviderStatus.CERTIFIED, name="年报测试养老院")
    AnnualReportFactory(provider=provider, year=2025, submitted_on=None, published_on=None)
    AnnualReportFactory(provider=provider, year=2024, submitted_on=datetime.date(2025, 3, 1))
    AnnualReportFactory(
        provider=provider, year=2023, submitted_on=datetime.date(2024, 3, 1), published_on=datetime.date(2024, 4, 1)
    )
    text = text_of(client.get(f"/en/providers/{provider.uscc}/").content.decode())

    assert "2025: not submitted" in text
    assert "2024: submitted, not yet published" in text
    assert "2023: published 2024-04-01" in text
    nothing = ProviderFactory(status=ProviderStatus.CERTIFIED)
    assert "No annual report on record." in client.get(f"/en/providers/{nothing.uscc}/").content.decode()


@pytest.mark.usefixtures("without_demo_activity")  # the demo's own recent visits would come between the two
def test_detail_shows_latest_inspections_with_outcome_and_findings(client: Client, home: Provider) -> None:
    day = today()
    record_demo_inspection(home, on=day - datetime.timedelta(days=40), verify_one=False)
    latest = record_demo_inspection(home, on=day - datetime.timedelta(days=5))

    html = client.get(f"/en/providers/{home.uscc}/").content.decode()
    section = re.search(r'<section aria-labelledby="inspections">.*?</section>', html, re.S)
    assert section
    rows = re.findall(r"<tr><td>(.*?)</tr>", section.group(), re.S)
    cells = [re.findall(r"<td>(.*?)</td>", "<td>" + row) for row in rows]
    texts = [[text_of(c).strip() for c in row] for row in cells]

    assert texts[0][0] == f"{latest.inspected_on:%Y-%m-%d}"  # newest first
    assert texts[0][1] == latest.regime.name_en
    assert texts[0][2] == latest.regime.get_lead_department_display()  # led by
    assert texts[0][3] == "Passed with findings to rectify"
    assert texts[0][4:] == ["1", "1"]  # one open, one verified fixed
    assert texts[1][4:] == ["2", "0"]
    zh = client.get(f"/providers/{home.uscc}/").content.decode()
    assert latest.regime.name_zh in zh and "最近检查" in zh


@pytest.mark.usefixtures("without_demo_activity")
def test_detail_without_inspections_or_subsidies_shows_empty_sections(client: Client, home: Provider) -> None:
    html = client.get(f"/en/providers/{home.uscc}/").content.decode()

    assert "No inspection published yet." in html
    assert "No subsidy paid yet." in html


@pytest.mark.usefixtures("without_demo_activity")
def test_detail_shows_subsidies_received_by_year(client: Client, home: Provider) -> None:
    pay(home, period=datetime.date(2025, 11, 1), amount=Decimal("1000.00"))
    pay(home, period=datetime.date(2025, 12, 1), amount=Decimal("1100.00"))
    pay(home, period=datetime.date(2026, 10, 1), amount=Decimal("1250.50"))
    pay(home, period=datetime.date(2026, 11, 1), amount=Decimal("999.00"), state="pending")
    pay(home, period=datetime.date(2026, 9, 1), amount=Decimal("777.00"), state="failed")

    html = client.get(f"/en/providers/{home.uscc}/").content.decode()
    section = re.search(r'<section aria-labelledby="subsidies">.*?</section>', html, re.S)
    assert section
    text = text_of(section.group())

    rows = [text_of(row).split() for row in re.findall(r"<tr><td>(.*?)</tr>", section.group(), re.S)]
    scheme = SubsidyScheme.objects.get(code="BT-OPERATING")
    assert [(r[0], r[-1]) for r in rows] == [("2026", "1250.50"), ("2025", "2100.00")]
    assert scheme.name_en in text
    assert "999.00" not in text and "777.00" not in text
    assert home.bank_account_number not in html


def test_detail_shows_the_institution_phone_only(client: Client, home: Provider) -> None:
    html = client.get(f"/providers/{home.uscc}/").content.decode()

    assert home.contact_phone and home.contact_phone in html
    for private in (home.contact_person, home.contact_email, home.bank_account_number, home.bank_account_name):
        if private and private != home.name:
            assert private not in html
    for person in [*home.residents.all(), *home.caregivers.all()]:
        assert person.name not in html
        assert person.id_number not in html
        assert not person.phone or person.phone not in html


def test_detail_title_and_description_name_the_provider(client: Client, home: Provider) -> None:
    page = Page(client.get(f"/providers/{home.uscc}/").content.decode())

    assert home.name in page.title
    assert home.name in (page.meta("description") or "")
