"""Inspection regimes of DOMAIN §4 (Baotou cascade 004:94; infant care: health supervision
000:136-140, 331-335, fire inspection 000:337-339, quality evaluation 000:179-184) with
their checklists. Idempotent: regimes match by code and are created once (a regime added
here is created by the next ``load_reference_data``); later edits by staff are kept, but
for the Mongolian name (``name_mn``, docs/mongolian.md), which this table sets."""

from __future__ import annotations

from typing import Any

from registry.models import Division, ProviderKind

from .models import Department, Frequency, InspectorLevel, Regime

REMINDER_OFFSETS = [-14, -3, 1]  # 14 and 3 days before the due date, and the day after
# Default time to rectify a finding, by severity (the texts give none: our decision; a
# clerk may set another deadline on each finding).
RECTIFICATION_DAYS = {"general": 30, "major": 7}


def _item(code: str, area: str, zh: str, en: str) -> dict[str, str]:
    return {"code": code, "area": area, "text_zh": zh, "text_en": en}


ELDERLY_CHECKLIST = [
    _item("fire-detectors", "fire", "烟感火灾探测报警器完好", "Smoke detectors installed and working"),
    _item("fire-sprinklers", "fire", "局部喷淋或简易喷淋设施有效", "Local sprinklers working"),
    _item("fire-lighting", "fire", "应急照明和疏散指示完好", "Emergency lighting and exit signs working"),
    _item("fire-extinguishers", "fire", "灭火器配置充足、在有效期内", "Extinguishers sufficient and in date"),
    _item("fire-exits", "fire", "疏散通道、安全出口畅通", "Escape routes and exits clear"),
    _item("food-licence", "food", "食品经营许可证有效，留样制度落实", "Food licence valid, samples kept"),
    _item("food-hygiene", "food", "厨房卫生、食材储存符合要求", "Kitchen hygiene and food storage"),
    _item("medication", "medication", "药品管理、代管药品登记规范", "Medication stored and logged"),
    _item("building", "building", "建筑结构、用电用气安全", "Building structure, electricity and gas safe"),
    _item(
        "service-standard", "service", "落实《养老机构服务安全基本规范》", "National service-safety standard applied"
    ),
    _item(
        "service-assessment",
        "service",
        "入住评估、防跌倒防走失措施",
        "Admission assessment, fall and wandering prevention",
    ),
]

CHILDCARE_CHECKLIST = [
    _item("fire-detectors", "fire", "烟感火灾探测报警器完好", "Smoke detectors installed and working"),
    _item("fire-extinguishers", "fire", "灭火器配置充足、在有效期内", "Extinguishers sufficient and in date"),
    _item("fire-exits", "fire", "疏散通道、安全出口畅通", "Escape routes and exits clear"),
    _item("food-hygiene", "food", "膳食卫生、食品留样", "Meal hygiene and food samples"),
    _item(
        "health-checks",
        "medication",
        "入托体检、晨午检和卫生消毒",
        "Health checks on entry, daily checks, disinfection",
    ),
    _item("building", "building", "场所安全、设施设备防护", "Premises and equipment safe"),
    _item("service-ratio", "service", "保育人员配备比例", "Caregiver-to-child ratio"),
]

# Quality evaluation of childcare providers (质量评估制度, 000:179-184; 002:151-153). The
# seeds name the system, not its items: these follow what the other texts ask of a
# provider (filing and disclosure 000:175-181, premises 000:120-122, ratios DOMAIN §7,
# staff training 000:317-321, care and early development 000:331-335, health care
# 000:136-140, safety 000:132-134 and 000:186-190) and what parents judge.
QUALITY_CHECKLIST = [
    _item(
        "quality-filing",
        "service",
        "已向卫生健康部门备案，备案信息与实际一致",
        "Filed with the health commission; the filing matches the provider as it is",
    ),
    _item(
        "quality-disclosure",
        "service",
        "收费标准、服务内容、从业人员资质等按要求公示",
        "Fees, services and staff qualifications disclosed as required",
    ),
    _item(
        "quality-premises",
        "building",
        "场地设施、室内外活动空间符合托育机构设置标准",
        "Premises and indoor and outdoor play space meet the setting standard",
    ),
    _item(
        "quality-ratio",
        "service",
        "保育人员配备比例和班级规模符合标准",
        "Carer-to-child ratios and class sizes meet the standard",
    ),
    _item(
        "quality-staff",
        "service",
        "从业人员持证上岗，接受岗前和在岗培训",
        "Staff qualified, trained before starting and while working",
    ),
    _item(
        "quality-care",
        "service",
        "一日生活安排合理，开展回应性照护和早期发展活动",
        "A sound daily routine, responsive care and early-development activities",
    ),
    _item(
        "quality-health",
        "medication",
        "卫生保健制度落实：晨午检、健康档案、传染病防控",
        "Health care in place: daily checks, health records, infectious-disease control",
    ),
    _item("quality-meals", "food", "膳食营养均衡，食品安全和留样制度落实", "Balanced meals, food safety, samples kept"),
    _item(
        "quality-safety",
        "building",
        "安全封闭管理、视频监控和安全应急预案",
        "Closed and secure premises, video surveillance, emergency plans",
    ),
    _item(
        "quality-parents",
        "service",
        "家长参与、家庭养育指导和家长满意度",
        "Parents involved, parenting guidance, parents' satisfaction",
    ),
]

ELDERLY = sorted(ProviderKind.elderly())
CHILDCARE = sorted(ProviderKind.childcare())

REGIMES: list[dict[str, Any]] = [
    {
        "code": "BT-CITY-JOINT",
        "name_zh": "市级联合检查",
        "name_en": "City joint inspection",
        "name_mn": "ᠬᠣᠲᠠ ᠶᠢᠨ ᠬᠠᠮᠲᠤ ᠱᠠᠯᠭᠠᠨ ᠪᠠᠶᠢᠴᠠᠭᠠᠯᠲᠠ",
        "jurisdiction": "150200",
        "provider_kinds": ELDERLY,
        "frequency": Frequency.HALF_YEARLY,
        "inspector_level": InspectorLevel.CITY,
        "lead_department": Department.CIVIL_AFFAIRS,
        "joint_departments": [Department.EMERGENCY_MANAGEMENT, Department.MARKET_REGULATION],
        "checklist": ELDERLY_CHECKLIST,
        "source": "004:94",
    },
    {
        "code": "BT-DISTRICT-SAFETY",
        "name_zh": "旗县区安全检查",
        "name_en": "District safety inspection",
        "name_mn": "ᠬᠣᠰᠢᠭᠤ᠂ ᠰᠢᠶᠠᠨ᠂ ᠲᠣᠭᠣᠷᠢᠭ ᠤᠨ ᠠᠶᠤᠯᠭᠦᠢ ᠪᠠᠶᠢᠳᠠᠯ ᠤᠨ ᠱᠠᠯᠭᠠᠨ ᠪᠠᠶᠢᠴᠠᠭᠠᠯᠲᠠ",
        "jurisdiction": "150200",
        "provider_kinds": ELDERLY,
        "frequency": Frequency.QUARTERLY,
        "inspector_level": InspectorLevel.COUNTY,
        "lead_department": Department.CIVIL_AFFAIRS,
        "joint_departments": [Department.EMERGENCY_MANAGEMENT],
        "checklist": ELDERLY_CHECKLIST,
        "source": "004:94",
    },
    {
        "code": "BT-INTERNAL-MONTHLY",
        "name_zh": "机构内部联合检查",
        "name_en": "Provider internal joint inspection",
        "name_mn": "ᠪᠠᠶᠢᠭᠤᠯᠤᠯᠭ᠎ᠠ ᠶᠢᠨ ᠳᠣᠲᠣᠭᠠᠳᠤ ᠬᠠᠮᠲᠤ ᠱᠠᠯᠭᠠᠨ ᠪᠠᠶᠢᠴᠠᠭᠠᠯᠲᠠ",
        "jurisdiction": "150200",
        "provider_kinds": ELDERLY,
        "frequency": Frequency.MONTHLY,
        "inspector_level": InspectorLevel.PROVIDER,
        "lead_department": Department.PROVIDER,
        "checklist": ELDERLY_CHECKLIST,
        "source": "004:94",
    },
    {
        "code": "IM-AD-HOC",
        "name_zh": "专项（临时）检查",
        "name_en": "Ad hoc inspection",
        "name_mn": "ᠲᠤᠰᠬᠠᠢ (ᠲᠦᠷ ᠦᠨ) ᠱᠠᠯᠭᠠᠨ ᠪᠠᠶᠢᠴᠠᠭᠠᠯᠲᠠ",
        "jurisdiction": "150000",
        "provider_kinds": [],
        "frequency": Frequency.AD_HOC,
        "inspector_level": InspectorLevel.COUNTY,
        "lead_department": Department.CIVIL_AFFAIRS,
        "checklist": ELDERLY_CHECKLIST,
        "source": "004:94",
    },
    {
        "code": "IM-CHILDCARE-HEALTH",
        "name_zh": "托育机构卫生健康监督",
        "name_en": "Childcare health supervision",
        "name_mn": "ᠨᠢᠯᠬ᠎ᠠ ᠬᠡᠦᠬᠡᠳ ᠠᠰᠠᠷᠠᠬᠤ ᠪᠠᠶᠢᠭᠤᠯᠤᠯᠭ᠎ᠠ ᠶᠢᠨ ᠠᠷᠢᠭᠤᠨ ᠴᠡᠪᠡᠷ ᠡᠷᠡᠭᠦᠯ ᠮᠡᠨᠳᠦ ᠶᠢᠨ ᠬᠢᠨᠠᠯᠲᠠ",
        "jurisdiction": "150000",
        "provider_kinds": CHILDCARE,
        "frequency": Frequency.HALF_YEARLY,
        "inspector_level": InspectorLevel.COUNTY,
        "lead_department": Department.HEALTH_COMMISSION,
        "checklist": CHILDCARE_CHECKLIST,
        "source": "000:136-140, 331-335",
    },
    {
        "code": "IM-CHILDCARE-FIRE",
        "name_zh": "托育机构消防检查",
        "name_en": "Childcare fire inspection",
        "name_mn": "ᠨᠢᠯᠬ᠎ᠠ ᠬᠡᠦᠬᠡᠳ ᠠᠰᠠᠷᠠᠬᠤ ᠪᠠᠶᠢᠭᠤᠯᠤᠯᠭ᠎ᠠ ᠶᠢᠨ ᠭᠠᠯ ᠤᠨ ᠠᠶᠤᠯᠭᠦᠢ ᠪᠠᠶᠢᠳᠠᠯ ᠤᠨ ᠱᠠᠯᠭᠠᠨ ᠪᠠᠶᠢᠴᠠᠭᠠᠯᠲᠠ",
        "jurisdiction": "150000",
        "provider_kinds": CHILDCARE,
        "frequency": Frequency.HALF_YEARLY,
        "inspector_level": InspectorLevel.COUNTY,
        "lead_department": Department.EMERGENCY_MANAGEMENT,
        "checklist": [i for i in CHILDCARE_CHECKLIST if i["area"] == "fire"],
        "source": "000:337-339",
    },
    {
        # Yearly: an evaluation judges a year of the provider's work (its records of health
        # checks, staffing, meals and incidents), beside the half-yearly health supervision;
        # registered organisations are evaluated on the year too (年检、评估, 000:4127-4131).
        "code": "IM-CHILDCARE-QUALITY",
        "name_zh": "托育机构质量评估",
        "name_en": "Childcare quality evaluation",
        "name_mn": "ᠨᠢᠯᠬ᠎ᠠ ᠬᠡᠦᠬᠡᠳ ᠠᠰᠠᠷᠠᠬᠤ ᠪᠠᠶᠢᠭᠤᠯᠤᠯᠭ᠎ᠠ ᠶᠢᠨ ᠴᠢᠨᠠᠷ ᠤᠨ ᠦᠨᠡᠯᠡᠯᠲᠡ",
        "jurisdiction": "150000",
        "provider_kinds": CHILDCARE,
        "frequency": Frequency.YEARLY,
        "inspector_level": InspectorLevel.COUNTY,
        "lead_department": Department.HEALTH_COMMISSION,
        "checklist": QUALITY_CHECKLIST,
        "source": "000:179-184; 002:151-153",
    },
]


def load() -> dict[str, int]:
    """Create the regimes missing; set each one's Mongolian name from here. The Mongolian
    name is the one field this table wins (as the glossary does for a division's names,
    ``registry/glossary.py``): a reviewer's correction is a line here, then a reload."""
    changed = 0
    for spec in REGIMES:
        values = {**spec, "jurisdiction": Division.objects.get(code=spec["jurisdiction"])}
        values.setdefault("reminder_offsets", REMINDER_OFFSETS)
        values.setdefault("rectification_days", RECTIFICATION_DAYS)
        code = values.pop("code")
        regime, was_created = Regime.objects.get_or_create(code=code, defaults=values)
        if not was_created and regime.name_mn != spec["name_mn"]:
            regime.name_mn = spec["name_mn"]
            regime.save(update_fields=["name_mn"])
            was_created = True
        changed += was_created
    return {"inspection regimes": changed}
