"""What each kind of provider looks like in generated data: who registers it and how it
is run, its capacity, services and facilities, and the fees it charges."""

from __future__ import annotations

import random
from typing import Any

from registry.models import CareMode, FeeItem, LegalForm, OperationMode, ProviderKind, RegistrationAuthority

from .people import money

K = ProviderKind

PUBLIC = OperationMode.PUBLIC
PRIVATE = OperationMode.PRIVATE
PBPR = OperationMode.PUBLIC_BUILT_PRIVATE_RUN
PBPA = OperationMode.PRIVATE_BUILT_PUBLIC_AID

DEFAULT_REGISTRANT: dict[str, tuple[str, str]] = {
    K.ELDERLY_INSTITUTION: ("52", PRIVATE),
    K.TOWNSHIP_HOME: ("12", PUBLIC),
    K.DAY_CARE_CENTRE: ("52", PBPR),
    K.SERVICE_STATION: ("52", PBPR),
    K.HAPPINESS_HOME: ("52", PUBLIC),
    K.MEDICAL_ELDERLY: ("91", PRIVATE),
    K.INFANT_CARE: ("91", PRIVATE),
    K.NURSERY: ("91", PRIVATE),
    K.KINDERGARTEN_CLASS: ("12", PUBLIC),
    K.COMMUNITY_CHILDCARE: ("52", PBPR),
    K.WORKPLACE_CHILDCARE: ("91", PRIVATE),
    K.HOME_CHILDCARE: ("92", PRIVATE),
}

# registrant → (registration authority, legal form)
REGISTRANTS: dict[str, tuple[str, str]] = {
    "11": (RegistrationAuthority.ESTABLISHMENT_OFFICE, LegalForm.NON_PROFIT),
    "12": (RegistrationAuthority.ESTABLISHMENT_OFFICE, LegalForm.NON_PROFIT),
    "52": (RegistrationAuthority.CIVIL_AFFAIRS, LegalForm.NON_PROFIT),
    "91": (RegistrationAuthority.MARKET_REGULATION, LegalForm.FOR_PROFIT),
    "92": (RegistrationAuthority.MARKET_REGULATION, LegalForm.FOR_PROFIT),
}

RESIDENTIAL_KINDS = frozenset({K.ELDERLY_INSTITUTION, K.TOWNSHIP_HOME, K.MEDICAL_ELDERLY})
CANTEEN_KINDS = RESIDENTIAL_KINDS | {K.DAY_CARE_CENTRE, K.INFANT_CARE, K.NURSERY, K.KINDERGARTEN_CLASS}


SERVICES: dict[str, tuple[str, ...]] = {
    "residential": ("生活照料", "膳食服务", "康复护理", "医疗保健", "精神慰藉", "文化娱乐", "失智照护", "助浴"),
    "community": ("日间照料", "老年助餐", "助浴", "助洁", "文体活动", "健康监测", "上门服务", "老年课堂"),
    "happiness": ("互助养老", "集中居住", "邻里互助", "集中供暖", "公共食堂", "健康巡诊"),
    "childcare": ("全日托", "半日托", "临时托", "计时托", "早期发展指导", "营养膳食", "家长课堂"),
}
FACILITIES: dict[str, tuple[str, ...]] = {
    "residential": (
        "单人间、双人间及多人间",
        "无障碍设施全覆盖",
        "每层设护理站",
        "康复训练室",
        "阅览室",
        "书画室",
        "室外活动场地",
        "24小时呼叫系统",
        "营养食堂",
        "集中供暖",
    ),
    "community": ("日间休息室", "助餐点", "康复理疗室", "棋牌室", "阅览室", "助浴间", "无障碍通道"),
    "happiness": ("单元式居室", "公共厨房", "活动室", "卫生室", "小菜园", "集中供暖"),
    "childcare": (
        "乳儿班、托小班、托大班",
        "独立睡眠室",
        "户外活动场地",
        "视频监控全覆盖",
        "晨检室",
        "配餐间",
        "儿童卫生间与盥洗室",
        "消毒设施",
    ),
}


def group_of(kind: str) -> str:
    if kind in ProviderKind.childcare():
        return "childcare"
    if kind in RESIDENTIAL_KINDS:
        return "residential"
    if kind == K.HAPPINESS_HOME:
        return "happiness"
    return "community"


def plan_capacity(rng: random.Random, kind: str) -> dict[str, Any]:
    """Beds, nursing beds, childcare places, households served and floor area."""
    beds = nursing = places = 0
    households = None
    if kind == K.ELDERLY_INSTITUTION:
        beds = rng.randrange(40, 302, 2)
        nursing = round(beds * rng.uniform(0.4, 0.85))
        area = beds * rng.uniform(30, 45)
    elif kind == K.MEDICAL_ELDERLY:
        beds = rng.randrange(100, 262, 2)
        nursing = round(beds * rng.uniform(0.75, 1.0))
        area = beds * rng.uniform(35, 50)
    elif kind == K.TOWNSHIP_HOME:
        beds = rng.randrange(30, 122, 2)
        nursing = round(beds * rng.uniform(0.2, 0.5))
        area = beds * rng.uniform(28, 40)
    elif kind == K.HAPPINESS_HOME:
        beds = rng.randrange(16, 62, 2)
        households = rng.randint(50, 140)
        area = rng.uniform(420, 1200)
    elif kind == K.DAY_CARE_CENTRE:
        beds = rng.randint(6, 20)
        area = rng.uniform(320, 1200)
    elif kind == K.SERVICE_STATION:
        area = rng.uniform(120, 290) if rng.random() < 0.5 else rng.uniform(320, 600)
    elif kind == K.HOME_CHILDCARE:
        places = 5
        area = rng.uniform(90, 140)
    else:
        places_by_kind: dict[str, int] = {
            K.INFANT_CARE: rng.randrange(40, 151, 5),
            K.NURSERY: rng.randrange(60, 121, 5),
            K.KINDERGARTEN_CLASS: rng.randrange(20, 41, 5),
            K.COMMUNITY_CHILDCARE: rng.randrange(20, 51, 5),
            K.WORKPLACE_CHILDCARE: rng.randrange(30, 81, 5),
        }
        places = places_by_kind[kind]
        area = places * rng.uniform(7, 12)
    return {
        "beds": beds,
        "nursing_beds": min(nursing, beds),
        "childcare_places": places,
        "households_served": households,
        "floor_area_m2": money(area),
    }


# The childcare fee items' service modes (issue 17: fees per mode).
FEE_CARE_MODES: dict[str, str] = {"保育费(全日托)": CareMode.FULL_DAY, "临时托(每日)": CareMode.TEMPORARY}

FEE_RANGES: dict[str, list[tuple[str, str, str, int, int]]] = {
    # group → (fee kind, item name, unit, lowest, highest) in yuan
    "residential": [
        (FeeItem.Kind.BED, "床位费(双人间)", FeeItem.Unit.MONTH, 700, 1600),
        (FeeItem.Kind.NURSING, "护理费(自理)", FeeItem.Unit.MONTH, 200, 500),
        (FeeItem.Kind.NURSING, "护理费(半失能)", FeeItem.Unit.MONTH, 700, 1400),
        (FeeItem.Kind.NURSING, "护理费(失能)", FeeItem.Unit.MONTH, 1500, 2800),
        (FeeItem.Kind.MEAL, "伙食费", FeeItem.Unit.MONTH, 500, 900),
    ],
    "community": [
        (FeeItem.Kind.MEAL, "助餐(午餐)", FeeItem.Unit.DAY, 10, 16),
        (FeeItem.Kind.OTHER, "日间托养费", FeeItem.Unit.MONTH, 300, 800),
    ],
    "happiness": [(FeeItem.Kind.MEAL, "伙食费", FeeItem.Unit.MONTH, 150, 350)],
    "childcare": [
        (FeeItem.Kind.CHILDCARE, "保育费(全日托)", FeeItem.Unit.MONTH, 1500, 3800),
        (FeeItem.Kind.MEAL, "伙食费", FeeItem.Unit.MONTH, 300, 500),
        (FeeItem.Kind.OTHER, "临时托(每日)", FeeItem.Unit.DAY, 100, 180),
    ],
}
