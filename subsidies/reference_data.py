"""Every subsidy scheme of DOMAIN §3 and its rates, with their sources. Idempotent:
schemes match by code and rates by (scheme, key, effective_from). A scheme is created
once and later edits by staff are kept, but for its Mongolian name (``name_mn``), which
this table sets at every load, as the glossary sets a division's (docs/mongolian.md)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from registry.models import CareLevel, Division

from .models import CareLevelWeight, OccupancyRule, PayerLevel, Rate, SchemeKind, SubsidyScheme

REGION = "150000"
BAOTOU = "150200"
REGION_FROM = datetime.date(2019, 6, 28)  # region compilation of policies, 000:357-367
BAOTOU_FROM = datetime.date(2019, 12, 13)  # 包府办发〔2019〕78号, 004:3-12

ELDERLY_INSTITUTIONS = ["elderly_institution", "township_home", "medical_elderly"]
ELDERLY_SERVICE_PROVIDERS = [*ELDERLY_INSTITUTIONS, "day_care_centre", "service_station", "happiness_home"]
# Social-run 社会办 / 社会力量举办: run by social forces, privately built (with or without
# public assistance 民建公助). Not 公办, and not 公建民营 for a construction grant: those
# premises were built with public money (DOMAIN §7).
SOCIAL_RUN = ["private", "private_built_public_aid"]
# 000:1044-1052: "社会力量举办的非营利性养老机构" and "公建民营养老服务机构与非营利性民办养老服务机构
# 享受同等床位运营补贴政策". A purely public 公办 home is not eligible.
SOCIAL_RUN_NON_PROFIT_OR_PUBLIC_BUILT = [
    {"legal_form": ["non_profit"], "operation_mode": SOCIAL_RUN},
    {"operation_mode": ["public_built_private_run"]},
]
# 000:1011-1022: "社会力量举办的非营利性养老机构".
SOCIAL_RUN_NON_PROFIT = [{"legal_form": ["non_profit"], "operation_mode": SOCIAL_RUN}]
# 004:80: "在民政部门登记备案的社会办养老服务机构" (no non-profit restriction in the text).
SOCIAL_RUN_ANY_FORM = [{"operation_mode": SOCIAL_RUN}]


def facility_award(kind: str, amount: str, threshold_field: str, minimum: str) -> tuple[str, str, dict[str, Any]]:
    """A fixed construction award paid only to its own kind of facility of at least a size (004:80)."""
    return (
        kind,
        amount,
        {"threshold_field": threshold_field, "threshold_min": Decimal(minimum), "provider_kinds": [kind]},
    )


PREMIUM_5_3_2 = [[PayerLevel.REGION, 5], [PayerLevel.LEAGUE_CITY, 3], [PayerLevel.COUNTY, 2]]

SCHEMES: list[dict[str, Any]] = [
    {
        "code": "IM-CONSTRUCT-BED",
        "name_zh": "自治区社会办非营利性养老机构一次性建设补贴",
        "name_en": "Region one-off construction subsidy per bed (non-profit, social-run)",
        "name_mn": (
            "ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ ᠤ ᠨᠢᠭᠡ ᠤᠳᠠᠭ᠎ᠠ ᠶᠢᠨ ᠪᠠᠷᠢᠯᠭ᠎ᠠ ᠶᠢᠨ ᠲᠡᠳᠬᠦᠮᠵᠢ (ᠣᠷᠣ ᠪᠦᠷ᠂ ᠠᠰᠢᠭ ᠤᠨ ᠪᠤᠰᠤ᠂ ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠡᠪᠦᠯᠡᠭᠰᠡᠨ)"
        ),
        "jurisdiction": REGION,
        "payer_level": PayerLevel.REGION,
        "kind": SchemeKind.CONSTRUCTION_PER_BED,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "eligibility": SOCIAL_RUN_NON_PROFIT,
        "area_per_bed_m2": Decimal("30"),
        "instalment_ratios": [3, 3, 4],
        "min_lease_years": 5,
        "effective_from": REGION_FROM,
        "source": "000:1011-1026",
        "rates": [("new_build", "6000", {}), ("bought_renovated", "4000", {}), ("leased_5y", "2000", {})],
    },
    {
        "code": "BT-CONSTRUCT-BED",
        "name_zh": "包头市养老机构一次性建设补贴",
        "name_en": "Baotou one-off construction subsidy per bed",
        "name_mn": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ ᠶᠢᠨ ᠨᠢᠭᠡ ᠤᠳᠠᠭ᠎ᠠ ᠶᠢᠨ ᠪᠠᠷᠢᠯᠭ᠎ᠠ ᠶᠢᠨ ᠲᠡᠳᠬᠦᠮᠵᠢ (ᠣᠷᠣ ᠪᠦᠷ)",
        "jurisdiction": BAOTOU,
        "payer_level": PayerLevel.LEAGUE_CITY,
        "kind": SchemeKind.CONSTRUCTION_PER_BED,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "eligibility": SOCIAL_RUN_ANY_FORM,
        "area_per_bed_m2": Decimal("30"),
        "instalment_ratios": [3, 3, 4],
        "effective_from": BAOTOU_FROM,
        "source": "004:80",
        "rates": [("new_build", "5000", {}), ("expansion", "2000", {})],
    },
    {
        "code": "BT-CONSTRUCT-FIXED",
        "name_zh": "包头市社区和农村牧区养老服务设施建设补贴",
        "name_en": "Baotou fixed construction subsidy per facility",
        "name_mn": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ ᠶᠢᠨ ᠥᠨᠳᠥᠷ ᠨᠠᠰᠤᠲᠠᠨ ᠤ ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ ᠶᠢᠨ ᠲᠥᠬᠥᠭᠡᠷᠡᠮᠵᠢ ᠶᠢᠨ ᠪᠠᠷᠢᠯᠭ᠎ᠠ ᠶᠢᠨ ᠲᠡᠳᠬᠦᠮᠵᠢ",
        "jurisdiction": BAOTOU,
        "payer_level": PayerLevel.LEAGUE_CITY,
        "kind": SchemeKind.CONSTRUCTION_FIXED,
        "provider_kinds": ["happiness_home", "day_care_centre", "service_station"],
        "instalment_ratios": [1],
        "effective_from": BAOTOU_FROM,
        "source": "004:80",
        "notes": "The text gives no payment schedule for fixed amounts: paid in one instalment.",
        "rates": [
            facility_award("happiness_home", "200000", "households_served", "50"),
            facility_award("day_care_centre", "100000", "floor_area_m2", "150"),
            facility_award("service_station", "50000", "floor_area_m2", "100"),
        ],
    },
    {
        "code": "IM-OPERATING",
        "name_zh": "自治区养老机构床位运营补贴",
        "name_en": "Region monthly bed operating grant by grade",
        "name_mn": "ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ ᠤ ᠰᠠᠷ᠎ᠠ ᠶᠢᠨ ᠣᠷᠣ ᠠᠵᠢᠯᠯᠠᠭᠤᠯᠬᠤ ᠲᠡᠳᠬᠦᠮᠵᠢ (ᠵᠡᠷᠭᠡ ᠪᠡᠷ)",
        "jurisdiction": REGION,
        "payer_level": PayerLevel.REGION,
        "kind": SchemeKind.OPERATING,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "eligibility": SOCIAL_RUN_NON_PROFIT_OR_PUBLIC_BUILT,
        "occupancy_rule": OccupancyRule.MIN_DAYS,
        "occupancy_min_days": 15,
        "effective_from": REGION_FROM,
        "source": "000:1044-1052",
        "notes": "The text gives 100-300 yuan by grade without a table: the grade rates are examples.",
        "rates": [
            (str(grade), str(amount), {"is_example": True})
            for grade, amount in [(1, 100), (2, 150), (3, 200), (4, 250), (5, 300)]
        ],
    },
    {
        "code": "BT-OPERATING",
        "name_zh": "包头市养老机构床位运营补贴",
        "name_en": "Baotou monthly bed operating grant",
        "name_mn": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ ᠶᠢᠨ ᠰᠠᠷ᠎ᠠ ᠶᠢᠨ ᠣᠷᠣ ᠠᠵᠢᠯᠯᠠᠭᠤᠯᠬᠤ ᠲᠡᠳᠬᠦᠮᠵᠢ",
        "jurisdiction": BAOTOU,
        "payer_level": PayerLevel.LEAGUE_CITY,
        "kind": SchemeKind.OPERATING,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "occupancy_rule": OccupancyRule.MIN_DAYS,
        "occupancy_min_days": 15,
        "effective_from": BAOTOU_FROM,
        "source": "004:80",
        "rates": [("any", "100", {})],
    },
    {
        "code": "IM-CAREGIVER",
        "name_zh": "自治区养老护理员特殊岗位津贴",
        "name_en": "Region caregiver special-post allowance",
        "name_mn": "ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ ᠤ ᠰᠤᠪᠢᠯᠠᠭᠴᠢ ᠶᠢᠨ ᠣᠨᠴᠠ ᠠᠵᠢᠯ ᠤᠨ ᠪᠠᠶᠢᠷᠢ ᠶᠢᠨ ᠨᠡᠮᠡᠯᠲᠡ",
        "jurisdiction": REGION,
        "payer_level": PayerLevel.REGION,
        "kind": SchemeKind.CAREGIVER_ALLOWANCE,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "min_nursing_years": 2,
        "effective_from": REGION_FROM,
        "source": "000:1075-1081",
        "rates": [("junior", "300", {}), ("intermediate", "500", {}), ("senior", "900", {})],
    },
    {
        "code": "BT-CAREGIVER",
        "name_zh": "包头市养老护理员特殊岗位津贴",
        "name_en": "Baotou caregiver special-post allowance",
        "name_mn": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ ᠶᠢᠨ ᠰᠤᠪᠢᠯᠠᠭᠴᠢ ᠶᠢᠨ ᠣᠨᠴᠠ ᠠᠵᠢᠯ ᠤᠨ ᠪᠠᠶᠢᠷᠢ ᠶᠢᠨ ᠨᠡᠮᠡᠯᠲᠡ",
        "jurisdiction": BAOTOU,
        "payer_level": PayerLevel.LEAGUE_CITY,
        "kind": SchemeKind.CAREGIVER_ALLOWANCE,
        "provider_kinds": ELDERLY_SERVICE_PROVIDERS,  # "各类养老服务机构", day-care centres included (004:82)
        "min_nursing_years": 2,
        "effective_from": BAOTOU_FROM,
        "source": "004:82",
        "rates": [("junior", "100", {}), ("intermediate", "300", {}), ("senior", "500", {})],
    },
    {
        "code": "IM-INSURANCE-532",
        "name_zh": "自治区养老机构政策性保险保费补贴",
        "name_en": "Region policy insurance premium co-funding (5:3:2)",
        "name_mn": "ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ ᠤ ᠪᠣᠳᠤᠯᠭ᠎ᠠ ᠶᠢᠨ ᠳᠠᠭᠠᠳᠬᠠᠯ ᠤᠨ ᠲᠥᠯᠪᠦᠷᠢ ᠶᠢᠨ ᠲᠡᠳᠬᠦᠮᠵᠢ (5:3:2)",
        "jurisdiction": REGION,
        "payer_level": PayerLevel.REGION,
        "kind": SchemeKind.INSURANCE_COFUNDING,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "eligibility": [{"legal_form": ["non_profit"]}, {"operation_mode": ["public"]}],
        "cost_shares": PREMIUM_5_3_2,
        "effective_from": REGION_FROM,
        "source": "000:1065-1073",
        "notes": "The text does not say whether the whole premium or a subsidised part is split: the whole premium.",
        "rates": [],
    },
    {
        "code": "BT-INSURANCE-532",
        "name_zh": "包头市养老机构责任保险保费补贴",
        "name_en": "Baotou liability insurance premium co-funding (5:3:2)",
        "name_mn": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ ᠶᠢᠨ ᠬᠠᠷᠢᠭᠤᠴᠠᠯᠭ᠎ᠠ ᠶᠢᠨ ᠳᠠᠭᠠᠳᠬᠠᠯ ᠤᠨ ᠲᠥᠯᠪᠦᠷᠢ ᠶᠢᠨ ᠲᠡᠳᠬᠦᠮᠵᠢ (5:3:2)",
        "jurisdiction": BAOTOU,
        "payer_level": PayerLevel.LEAGUE_CITY,
        "kind": SchemeKind.INSURANCE_COFUNDING,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "cost_shares": PREMIUM_5_3_2,
        "effective_from": BAOTOU_FROM,
        "source": "004:80",
        "rates": [],
    },
    {
        "code": "IM-ACCIDENT-631",
        "name_zh": "自治区养老护理员意外伤害保险",
        "name_en": "Region caregiver accident insurance (6:3:1)",
        "name_mn": "ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ ᠤ ᠰᠤᠪᠢᠯᠠᠭᠴᠢ ᠶᠢᠨ ᠣᠰᠣᠯ ᠭᠡᠮᠲᠡᠯ ᠦᠨ ᠳᠠᠭᠠᠳᠬᠠᠯ (6:3:1)",
        "jurisdiction": REGION,
        "payer_level": PayerLevel.GOVERNMENT,
        "kind": SchemeKind.ACCIDENT_INSURANCE,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "cost_shares": [[PayerLevel.GOVERNMENT, 6], [PayerLevel.INSTITUTION, 3], [PayerLevel.CAREGIVER, 1]],
        # "所需资金由同级财政安排" (000:1083): the government's 6 is paid by one finance, that of
        # the banner/county where the provider is filed (000:375-376), not split 5:3:2.
        "government_payers": [[PayerLevel.COUNTY, 1]],
        "effective_from": REGION_FROM,
        "source": "000:1081-1083",
        "notes": "Government 6 paid by the banner/county finance of the provider (same-level finance, 000:1083).",
        "rates": [],
    },
    {
        "code": "BT-DAYCARE-AWARD",
        "name_zh": "包头市日间照料中心和养老服务站运营以奖代补",
        "name_en": "Baotou day-care centre and service station award",
        "name_mn": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ ᠶᠢᠨ ᠡᠳᠦᠷ ᠦᠨ ᠠᠰᠠᠷᠠᠮᠵᠢ ᠶᠢᠨ ᠲᠥᠪ ᠪᠠ ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ ᠶᠢᠨ ᠥᠷᠲᠡᠭᠡ ᠶᠢᠨ ᠱᠠᠩᠨᠠᠯ",
        "jurisdiction": BAOTOU,
        "payer_level": PayerLevel.LEAGUE_CITY,
        "kind": SchemeKind.AWARD,
        "provider_kinds": ["day_care_centre", "service_station"],
        "effective_from": BAOTOU_FROM,
        "source": "004:80",
        "notes": "10,000-50,000 yuan a year by operation evaluation; the amount is set per award.",
        "rates": [("award", "10000", {"max_amount": Decimal("50000")})],
    },
    {
        "code": "IM-COMMUNITY-AWARD",
        "name_zh": "自治区社区居家养老服务机构以奖代补",
        "name_en": "Region community home-care facility award",
        "name_mn": "ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ ᠤ ᠬᠣᠷᠣᠭ᠎ᠠ ᠶᠢᠨ ᠥᠨᠳᠥᠷ ᠨᠠᠰᠤᠲᠠᠨ ᠤ ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ ᠶᠢᠨ ᠪᠠᠶᠢᠭᠤᠯᠤᠯᠭ᠎ᠠ ᠶᠢᠨ ᠱᠠᠩᠨᠠᠯ",
        "jurisdiction": REGION,
        "payer_level": PayerLevel.REGION,  # "自治区财政 … 按照‘以奖代补’的办法分别给予资助"
        "kind": SchemeKind.AWARD,
        # "社区居家养老服务机构 … 以老年人日间照料中心为重点": day-care centres and service stations.
        "provider_kinds": ["day_care_centre", "service_station"],
        "effective_from": REGION_FROM,
        "source": "000:1034-1040",
        "notes": (
            "The text gives no amount or range: the region awards by facilities built, scale, services and"
            " people covered. No range is shipped; until the bureau enters an 'award' rate (amount = minimum,"
            " maximum amount = maximum) for the year, awards of this scheme are refused."
        ),
        "rates": [],
    },
    {
        # 000:1056-1063: "对社会办养老服务机构内安置特困对象及其他低收入老年人并为其提供低偿服务的，当地财政
        # 应将上述人员的基本生活费拨入养老服务机构 … 低于当地政府规定的生活、医疗、照料服务等费用标准部分，
        # 由其户籍所在地旗县(市、区)补足。" Paid per resident (subsidies/living_allowances.py).
        "code": "IM-LIVING-ALLOWANCE",
        "name_zh": "社会办养老服务机构内特困及低收入老年人基本生活费",
        "name_en": "Living allowance of residents in extreme poverty or on dibao in social-run institutions",
        "name_mn": (
            "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠡᠪᠦᠯᠡᠭᠰᠡᠨ ᠪᠠᠶᠢᠭᠤᠯᠤᠯᠭ᠎ᠠ ᠳᠠᠬᠢ ᠣᠨᠴᠠ ᠶᠠᠳᠠᠭᠤ ᠪᠠ ᠣᠷᠣᠯᠭ᠎ᠠ ᠪᠠᠭ᠎ᠠ ᠥᠨᠳᠥᠷ ᠨᠠᠰᠤᠲᠠᠨ ᠤ ᠠᠮᠢᠳᠤᠷᠠᠯ ᠤᠨ ᠰᠠᠭᠤᠷᠢ ᠵᠠᠷᠳᠠᠯ"
        ),
        "jurisdiction": REGION,
        "payer_level": PayerLevel.COUNTY,
        "kind": SchemeKind.LIVING_ALLOWANCE,
        "provider_kinds": ELDERLY_INSTITUTIONS,
        "eligibility": SOCIAL_RUN_ANY_FORM,  # "社会办": not 公办, not 公建民营; any legal form
        # The people who have a "基本生活费" to transfer: 特困 support and 低保 (first wins).
        "resident_categories": ["extreme_poverty", "dibao"],
        "occupancy_rule": OccupancyRule.PRO_RATA,  # the days in care, both ends included
        "effective_from": REGION_FROM,
        "source": "000:1056-1063",
        "notes": (
            "Rates per home county (户籍所在地), entered by each county: key '<county code>:<category>' = the "
            "monthly basic living allowance, '<county code>:standard' = the monthly standard for living, medical "
            "and care costs; the county makes up standard − allowance. The text gives no figures."
        ),
        "rates": [],
    },
]


# 000:906-908 ("对养老机构的运行补贴应根据接收失能老年人等情况合理发放") and 000:920-925 ("对服务失能
# 老年人的补贴标准应予以适当倾斜") ask operating grants to lean towards disabled residents but give
# no figure: every care level counts 1.00 from the scheme's start until the bureau sets a weight
# (docs/subsidies.md "Care-level weights"). Never a weight above 1.00 invented here.
WEIGHTED_SCHEMES = ["IM-OPERATING", "BT-OPERATING"]
WEIGHT_SOURCE = "000:906-908, 000:920-925"
WEIGHT_NOTES = "The text asks for a lean towards disabled residents without a figure: 1.00 until the bureau sets one."


def load_care_level_weights() -> int:
    """A 1.00 weight from the scheme's start for every care level of the operating schemes
    that has no weight yet (a level the bureau has weighted, changed or ended is kept)."""
    created = 0
    for scheme in SubsidyScheme.objects.filter(code__in=WEIGHTED_SCHEMES):
        weighted = set(scheme.care_level_weights.values_list("care_level", flat=True))
        for level in [level for level in CareLevel.values if level not in weighted]:
            CareLevelWeight.objects.create(
                scheme=scheme,
                care_level=level,
                effective_from=scheme.effective_from,
                weight=Decimal("1.00"),
                source=WEIGHT_SOURCE,
                notes=WEIGHT_NOTES,
            )
            created += 1
    return created


def load() -> dict[str, int]:
    schemes = rates = 0
    for spec in SCHEMES:
        spec = dict(spec)
        rate_specs = spec.pop("rates")
        code = spec.pop("code")
        spec["jurisdiction"] = Division.objects.get(code=spec["jurisdiction"])
        scheme, created = SubsidyScheme.objects.get_or_create(code=code, defaults=spec)
        if not created and scheme.name_mn != spec["name_mn"]:  # the one field this table wins
            scheme.name_mn = spec["name_mn"]
            scheme.save(update_fields=["name_mn"])
            created = True
        schemes += created
        for key, amount, extra in rate_specs:
            _rate, created = Rate.objects.get_or_create(
                scheme=scheme,
                key=key,
                effective_from=spec["effective_from"],
                defaults={"amount": Decimal(amount), "source": spec["source"], **extra},
            )
            rates += created
    return {"subsidy schemes": schemes, "rates": rates, "care-level weights": load_care_level_weights()}
