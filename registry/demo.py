"""Demo data for a believable Baotou (包头市, 150200): providers, people, licences, users.

``seed()`` is what ``manage.py seed_demo`` runs. It is deterministic and idempotent:

* all randomness comes from one ``random.Random(SEED)``, and every date is derived from
  the fixed ``ANCHOR`` date, never from today, so every run plans exactly the same data;
* the whole plan is built first, in memory, without touching the database; only then are
  the providers that are not there yet (keyed by USCC) written, with their lifecycle
  transitions, licences, fees, reports, credit records, residents and caregivers;
* demo users are created once and never changed afterwards.

It refuses to run with the production settings (``config.settings.prod``).
"""

from __future__ import annotations

import datetime
import os
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from simple_history.utils import bulk_create_with_history

from safeguards.identifiers import make_id_number, make_uscc, validate_id_number

from . import reference_data
from .lifecycle import provider_transition
from .models import (
    AnnualReport,
    Caregiver,
    CareLevel,
    CertificateLevel,
    CreditRecord,
    Division,
    FeeItem,
    FilingAuthority,
    LegalForm,
    Licence,
    OperationMode,
    PremisesBasis,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    RegistrationAuthority,
    Resident,
    ResidentCategory,
    RoleGrant,
    User,
)
from .staff import roles

SEED = 20261123
ANCHOR = datetime.date(2026, 1, 1)
LAST_DAY = ANCHOR - datetime.timedelta(days=1)  # no generated event is later than this
PRODUCTION_SETTINGS = "config.settings.prod"
BAOTOU = "150200"
RARE_EARTH_ZONE = "150271"
DEMO_PASSWORD = "demo-Pass-2026"  # noqa: S105 — published demo password, refused in production
SYSTEM_USERNAME = "demo-system"
CHANGE_REASON = "演示数据"

K = ProviderKind
S = ProviderStatus
Action = ProviderStatusChange.Action


class DemoDataRefused(Exception):
    """Raised instead of writing demo data where it must not go."""


# --------------------------------------------------------------------------- users


class DemoUser(NamedTuple):
    username: str
    role: str
    jurisdiction: str  # division code


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("clerk_baotou", roles.DISTRICT_CLERK, BAOTOU),  # city-level clerk: prepares city-wide runs
    DemoUser("clerk_kundulun", roles.DISTRICT_CLERK, "150203"),
    DemoUser("clerk_donghe", roles.DISTRICT_CLERK, "150202"),
    DemoUser("clerk_qingshan", roles.DISTRICT_CLERK, "150204"),
    DemoUser("clerk_xitu", roles.DISTRICT_CLERK, RARE_EARTH_ZONE),
    DemoUser("clerk_tuyou", roles.DISTRICT_CLERK, "150221"),
    DemoUser("reviewer_baotou", roles.CITY_REVIEWER, BAOTOU),
    DemoUser("finance_baotou", roles.FINANCE, BAOTOU),
    DemoUser("inspector_qingshan", roles.INSPECTOR, "150204"),
    DemoUser("inspector_kundulun", roles.INSPECTOR, "150203"),
    DemoUser("sysadmin", roles.SYSTEM_ADMIN, BAOTOU),
    DemoUser("secadmin", roles.SECURITY_ADMIN, BAOTOU),
    DemoUser("auditor", roles.AUDIT_ADMIN, BAOTOU),
)


# ----------------------------------------------------------------------- districts


class District(NamedTuple):
    code: str
    name: str
    short: str  # as in bank branch names
    phone_digit: str  # first digit of local landlines
    lat: float
    lon: float
    id_areas: tuple[str, ...]  # area codes on the ID cards of people living there


DISTRICTS: dict[str, District] = {
    d.code: d
    for d in (
        District("150202", "东河区", "东河", "4", 40.576, 110.046, ("150202",)),
        District("150203", "昆都仑区", "昆区", "2", 40.660, 109.838, ("150203",)),
        District("150204", "青山区", "青山", "3", 40.643, 109.902, ("150204",)),
        District("150205", "石拐区", "石拐", "7", 40.677, 110.272, ("150205",)),
        District("150206", "白云鄂博矿区", "白云", "8", 41.770, 109.973, ("150206",)),
        District("150207", "九原区", "九原", "6", 40.606, 109.966, ("150207",)),
        District("150221", "土默特右旗", "土右旗", "8", 40.567, 110.524, ("150221",)),
        District("150222", "固阳县", "固阳", "8", 41.030, 110.063, ("150222",)),
        District("150223", "达尔罕茂明安联合旗", "达茂旗", "8", 41.698, 110.432, ("150223",)),
        # The zone is not a GB/T 2260 unit: its people hold Kundulun or Jiuyuan numbers.
        District(RARE_EARTH_ZONE, "稀土高新区", "稀土高新区", "5", 40.620, 109.860, ("150203", "150207")),
    )
}
BAOTOU_ID_AREAS = tuple(code for code in DISTRICTS if code != RARE_EARTH_ZONE)


# ----------------------------------------------------------------------- catalogue


class Listing(NamedTuple):
    """One demo provider: where, what, which status, its name and street or village.

    ``registrant`` is the USCC's authority + entity type: "52" civil-affairs social service
    organisation, "91" company, "92" individual business, "12" public institution, "11"
    government organ. Empty: the kind's default.
    """

    division: str
    kind: str
    status: str
    name: str
    locality: str
    registrant: str = ""
    mode: str = ""


PUBLIC = OperationMode.PUBLIC
PRIVATE = OperationMode.PRIVATE
PBPR = OperationMode.PUBLIC_BUILT_PRIVATE_RUN
PBPA = OperationMode.PRIVATE_BUILT_PUBLIC_AID

CATALOGUE: tuple[Listing, ...] = (
    # 昆都仑区
    Listing("150203", K.ELDERLY_INSTITUTION, S.CERTIFIED, "昆都仑区阳光颐养院", "阿尔丁大街"),
    Listing("150203", K.ELDERLY_INSTITUTION, S.CERTIFIED, "包头市鹿城福寿养老院", "钢铁大街", "91", PRIVATE),
    Listing("150203", K.MEDICAL_ELDERLY, S.CERTIFIED, "昆都仑区康和医养中心", "少先路"),
    Listing("150203", K.DAY_CARE_CENTRE, S.CERTIFIED, "昆都仑区社区老年人日间照料中心(少先路)", "少先路"),
    Listing("150203", K.SERVICE_STATION, S.CERTIFIED, "昆都仑区沼潭街道养老服务站", "团结大街"),
    Listing("150203", K.INFANT_CARE, S.CERTIFIED, "昆都仑区贝贝乐托育中心", "友谊大街"),
    Listing("150203", K.WORKPLACE_CHILDCARE, S.CERTIFIED, "包钢集团职工子女托育点", "河西工业区"),
    Listing("150203", K.ELDERLY_INSTITUTION, S.SUSPENDED, "昆都仑区福寿康老年公寓", "白云路"),
    Listing("150203", K.KINDERGARTEN_CLASS, S.FILED, "昆都仑区第三幼儿园托班", "林荫路"),
    # 青山区
    Listing("150204", K.ELDERLY_INSTITUTION, S.CERTIFIED, "青山区颐和养老院", "幸福路", "52", PBPR),
    Listing("150204", K.ELDERLY_INSTITUTION, S.SUSPENDED, "青山区松鹤老年公寓", "青年路"),
    Listing("150204", K.DAY_CARE_CENTRE, S.CERTIFIED, "青山区社区老年人日间照料中心(万青路)", "万青路"),
    Listing("150204", K.SERVICE_STATION, S.CERTIFIED, "青山区幸福路街道养老服务站", "幸福路"),
    Listing("150204", K.INFANT_CARE, S.CERTIFIED, "青山区小太阳托育园", "文化路"),
    Listing("150204", K.WORKPLACE_CHILDCARE, S.FILED, "内蒙古第一机械集团职工托育点", "青山路"),
    Listing("150204", K.NURSERY, S.CERTIFIED, "青山区育才托儿所", "自由路"),
    Listing("150204", K.HOME_CHILDCARE, S.CERTIFIED, "青山区贝乐家庭托育点", "富强路"),
    # 东河区
    Listing("150202", K.ELDERLY_INSTITUTION, S.CERTIFIED, "东河区仁爱养老院", "巴彦塔拉大街"),
    Listing("150202", K.ELDERLY_INSTITUTION, S.REVOKED, "东河区金色年华老年公寓", "南门外大街", "91", PRIVATE),
    Listing("150202", K.DAY_CARE_CENTRE, S.CERTIFIED, "东河区社区老年人日间照料中心(东站)", "环城路"),
    Listing("150202", K.DAY_CARE_CENTRE, S.CLOSED, "东河区社区老年人日间照料中心(西脑包)", "西脑包大街"),
    Listing("150202", K.SERVICE_STATION, S.FILED, "东河区和平路街道养老服务站", "和平路"),
    Listing("150202", K.TOWNSHIP_HOME, S.CERTIFIED, "东河区沙尔沁镇敬老院", "沙尔沁镇"),
    Listing("150202", K.INFANT_CARE, S.DRAFT, "东河区蒲公英托育园", "巴彦塔拉大街"),
    Listing("150202", K.NURSERY, S.CERTIFIED, "东河区机关托儿所", "和平路", "12", PUBLIC),
    # 九原区
    Listing("150207", K.ELDERLY_INSTITUTION, S.CERTIFIED, "九原区夕阳红养老中心", "建华南路"),
    Listing("150207", K.MEDICAL_ELDERLY, S.CERTIFIED, "九原区仁和医养结合养老院", "赛音道", "52", PRIVATE),
    Listing("150207", K.DAY_CARE_CENTRE, S.CERTIFIED, "九原区社区老年人日间照料中心(萨如拉)", "建设路"),
    Listing("150207", K.HAPPINESS_HOME, S.CERTIFIED, "九原区哈林格尔镇新河村互助幸福院", "哈林格尔镇新河村"),
    Listing("150207", K.TOWNSHIP_HOME, S.SUSPENDED, "九原区麻池镇敬老院", "麻池镇"),
    Listing("150207", K.KINDERGARTEN_CLASS, S.CERTIFIED, "九原区阳光幼儿园托班", "赛音道", "52", PRIVATE),
    # 稀土高新区
    Listing(RARE_EARTH_ZONE, K.ELDERLY_INSTITUTION, S.CERTIFIED, "稀土高新区康乐养老服务中心", "黄河大街"),
    Listing(RARE_EARTH_ZONE, K.MEDICAL_ELDERLY, S.FILED, "稀土高新区万水泉医养中心", "万水泉镇"),
    Listing(RARE_EARTH_ZONE, K.DAY_CARE_CENTRE, S.CERTIFIED, "稀土高新区社区老年人日间照料中心(滨河)", "曙光路"),
    Listing(RARE_EARTH_ZONE, K.INFANT_CARE, S.CERTIFIED, "稀土高新区童心托育中心", "曙光路", "52", PRIVATE),
    Listing(RARE_EARTH_ZONE, K.COMMUNITY_CHILDCARE, S.CERTIFIED, "稀土高新区万水泉社区托育点", "万水泉镇"),
    Listing(RARE_EARTH_ZONE, K.WORKPLACE_CHILDCARE, S.DRAFT, "稀土高新区管委会职工托育点", "黄河大街", "11", PUBLIC),
    # 土默特右旗
    Listing("150221", K.TOWNSHIP_HOME, S.CERTIFIED, "土默特右旗美岱召镇敬老院", "美岱召镇"),
    Listing("150221", K.HAPPINESS_HOME, S.CERTIFIED, "土默特右旗沟门镇西湾村互助幸福院", "沟门镇西湾村"),
    Listing("150221", K.HAPPINESS_HOME, S.FILED, "土默特右旗将军尧镇大城西村互助幸福院", "将军尧镇大城西村"),
    Listing("150221", K.ELDERLY_INSTITUTION, S.CERTIFIED, "土默特右旗萨拉齐镇福康养老院", "萨拉齐镇"),
    Listing("150221", K.DAY_CARE_CENTRE, S.CERTIFIED, "土默特右旗社区老年人日间照料中心(萨拉齐)", "萨拉齐镇"),
    Listing("150221", K.INFANT_CARE, S.CERTIFIED, "土默特右旗启蒙托育园", "萨拉齐镇", "52", PBPA),
    # 固阳县
    Listing("150222", K.TOWNSHIP_HOME, S.CERTIFIED, "固阳县特困人员供养服务中心", "金山镇"),
    Listing("150222", K.HAPPINESS_HOME, S.CERTIFIED, "固阳县下湿壕镇前进村互助幸福院", "下湿壕镇前进村"),
    Listing("150222", K.HAPPINESS_HOME, S.CLOSED, "固阳县银号镇新胜村互助幸福院", "银号镇新胜村"),
    Listing("150222", K.ELDERLY_INSTITUTION, S.DRAFT, "固阳县金山镇颐康养老院", "金山镇"),
    Listing("150222", K.SERVICE_STATION, S.CERTIFIED, "固阳县金山镇养老服务站", "金山镇"),
    # 达尔罕茂明安联合旗
    Listing("150223", K.TOWNSHIP_HOME, S.CERTIFIED, "达尔罕茂明安联合旗百灵庙镇敬老院", "百灵庙镇"),
    Listing("150223", K.HAPPINESS_HOME, S.CERTIFIED, "达尔罕茂明安联合旗石宝镇乌兰嘎查互助幸福院", "石宝镇乌兰嘎查"),
    Listing("150223", K.SERVICE_STATION, S.FILED, "达尔罕茂明安联合旗乌克忽洞镇养老服务站", "乌克忽洞镇"),
    Listing("150223", K.COMMUNITY_CHILDCARE, S.CERTIFIED, "达尔罕茂明安联合旗百灵庙镇社区托育点", "百灵庙镇"),
    # 石拐区
    Listing("150205", K.ELDERLY_INSTITUTION, S.CERTIFIED, "石拐区五当召康养院", "五当召镇", "52", PBPA),
    Listing("150205", K.DAY_CARE_CENTRE, S.CERTIFIED, "石拐区社区老年人日间照料中心(大发)", "石拐大街"),
    Listing("150205", K.HAPPINESS_HOME, S.REVOKED, "石拐区吉忽伦图苏木德胜嘎查互助幸福院", "吉忽伦图苏木德胜嘎查"),
    Listing("150205", K.SERVICE_STATION, S.CLOSED, "石拐区石拐街道养老服务站", "石拐大街"),
    # 白云鄂博矿区
    Listing("150206", K.ELDERLY_INSTITUTION, S.CERTIFIED, "白云鄂博矿区矿山养老院", "通阳道", "12", PUBLIC),
    Listing("150206", K.DAY_CARE_CENTRE, S.CERTIFIED, "白云鄂博矿区社区老年人日间照料中心(通阳道)", "通阳道"),
    Listing("150206", K.NURSERY, S.REVOKED, "白云鄂博矿区小天使托儿所", "矿山路"),
    Listing("150206", K.KINDERGARTEN_CLASS, S.DRAFT, "白云鄂博矿区第一幼儿园托班", "矿山路"),
)

# Certified again after a suspension: their history shows suspend + reinstate.
REINSTATED = frozenset({"昆都仑区阳光颐养院", "土默特右旗萨拉齐镇福康养老院"})

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

# name → (kind, source, description); dates follow the provider's lifecycle.
CREDIT_RECORDS: dict[str, tuple[str, str, str]] = {
    "青山区颐和养老院": (CreditRecord.Kind.COMMENDATION, "包头市民政局", "2024年度全市养老服务工作先进集体"),
    "九原区仁和医养结合养老院": (CreditRecord.Kind.COMMENDATION, "包头市民政局", "全市医养结合示范机构"),
    "土默特右旗美岱召镇敬老院": (
        CreditRecord.Kind.COMMENDATION,
        "内蒙古自治区民政厅",
        "全区特困人员供养服务机构规范化建设先进单位",
    ),
    "青山区小太阳托育园": (CreditRecord.Kind.COMMENDATION, "包头市卫生健康委员会", "包头市示范性托育机构"),
    "昆都仑区福寿康老年公寓": (
        CreditRecord.Kind.DISHONESTY,
        "包头市昆都仑区民政局",
        "未按规定公示收费标准，收取押金超过规定标准，经责令改正拒不整改。",
    ),
    "石拐区吉忽伦图苏木德胜嘎查互助幸福院": (
        CreditRecord.Kind.DISHONESTY,
        "包头市石拐区民政局",
        "虚报服务户数申领运营补贴，已追回补贴资金。",
    ),
    "东河区金色年华老年公寓": (
        CreditRecord.Kind.BLACKLIST,
        "包头市民政局",
        "以虚报入住人数方式骗取养老机构运营补贴，列入严重失信主体名单（黑名单），期限三年。",
    ),
}

# ------------------------------------------------------------------------- people


def words(text: str) -> tuple[str, ...]:
    """``"a b c"`` → ``("a", "b", "c")``: keeps long name lists on one line each."""
    return tuple(text.split())


SURNAMES = tuple("王李张刘赵杨高郭白乔武贾田霍任韩孙马梁吕云郝苏薛杜康胡周陈徐")
ELDER_MALE = words(
    "建国 国庆 志刚 福祥 德胜 玉山 永和 树林 振华 金海 宝山 长青 文斌 满仓 有福 占魁 凤岐 秉忠 海山 世杰"
)
ELDER_FEMALE = words("桂兰 秀英 玉珍 淑芬 凤英 素梅 兰英 翠花 春梅 玉兰 秀兰 桂芳 金花 淑珍 美兰 月娥 瑞英 改莲")
YOUNG_MALE = words("伟 磊 鹏 浩 建军 海军 志强 俊峰 晓东 宏伟 永刚 利军")
YOUNG_FEMALE = words("丽娜 晓燕 海燕 丽霞 婷婷 静 敏 雪梅 春燕 慧 娜 晓琳 佳 雅琴 小红 美玲 秀娟 艳 芳 玉梅 丽君")
GIVEN_NAMES = {  # (elderly, male) → given names
    (True, True): ELDER_MALE,
    (True, False): ELDER_FEMALE,
    (False, True): YOUNG_MALE,
    (False, False): YOUNG_FEMALE,
}
MONGOLIAN_MALE = words("巴特尔 额尔敦 朝鲁 那顺 吉日嘎拉 宝音 乌力吉 苏和 巴雅尔")
MONGOLIAN_FEMALE = words("其其格 乌云 斯琴 娜仁花 萨仁 图雅 高娃 塔娜 乌兰")
MOBILE_PREFIXES = words("130 131 132 135 136 137 138 139 150 151 155 158 159 177 180 181 186 187 189 199")

BANKS = (
    ("中国工商银行", "0603"),
    ("中国农业银行", "0546"),
    ("中国建设银行", "1505"),
    ("中国银行", "1510"),
    ("蒙商银行", "6002"),
    ("包头农村商业银行", "6103"),
    ("内蒙古银行", "6222"),
)
INSURERS = (
    "中国人民财产保险股份有限公司包头市分公司",
    "中国平安财产保险股份有限公司包头中心支公司",
    "中华联合财产保险股份有限公司包头中心支公司",
)

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


# ------------------------------------------------------------------------- plans


@dataclass
class Step:
    action: str
    effective_on: datetime.date
    reason: str


@dataclass
class ProviderPlan:
    """Everything about one demo provider, as plain values, ready to be written."""

    listing: Listing
    fields: dict[str, Any]
    steps: list[Step]
    opened_on: datetime.date
    ends_on: datetime.date  # closing/revocation date, or LAST_DAY while operating
    licences: list[dict[str, Any]] = field(default_factory=list)
    fee_items: list[dict[str, Any]] = field(default_factory=list)
    annual_reports: list[dict[str, Any]] = field(default_factory=list)
    credit_records: list[dict[str, Any]] = field(default_factory=list)
    residents: list[dict[str, Any]] = field(default_factory=list)
    caregivers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uscc(self) -> str:
        return str(self.fields["uscc"])


@dataclass
class SeedSummary:
    providers_created: int = 0
    providers_existing: int = 0
    created: Counter[str] = field(default_factory=Counter)
    users_created: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ small helpers


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    """A date between ``start`` and ``end`` inclusive (``start`` if the range is empty)."""
    return start + days(rng.randint(0, max((end - start).days, 0)))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def money(amount: float) -> Decimal:
    return Decimal(f"{amount:.2f}")


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random, district: District) -> str:
    return f"0472-{district.phone_digit}{rng.randrange(10**6):06d}"


def person_name(rng: random.Random, *, male: bool, elderly: bool) -> str:
    if rng.random() < 0.08:
        return rng.choice(MONGOLIAN_MALE if male else MONGOLIAN_FEMALE)
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES[elderly, male])


def unique_id_number(
    rng: random.Random, area_codes: Sequence[str], first_year: int, last_year: int, *, male: bool, used: set[str]
) -> str:
    """A valid ID number not in ``used`` (and add it there); odd sequence digit = male."""
    while True:
        birth = random_date(rng, datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31))
        sequence = rng.randrange(500) * 2 + (1 if male else 0)
        number = make_id_number(rng.choice(area_codes), birth, sequence)
        if number not in used:
            validate_id_number(number, today=ANCHOR)
            used.add(number)
            return number


def text_from(rng: random.Random, pool: Sequence[str], lo: int, hi: int) -> list[str]:
    return rng.sample(list(pool), rng.randint(lo, min(hi, len(pool))))


def group_of(kind: str) -> str:
    if kind in ProviderKind.childcare():
        return "childcare"
    if kind in RESIDENTIAL_KINDS:
        return "residential"
    if kind == K.HAPPINESS_HOME:
        return "happiness"
    return "community"


# ------------------------------------------------------------------ lifecycle plan


STATUS_PATHS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (),
    S.FILED: (Action.FILE,),
    S.CERTIFIED: (Action.FILE, Action.CERTIFY),
    S.SUSPENDED: (Action.FILE, Action.CERTIFY, Action.SUSPEND),
    S.CLOSED: (Action.FILE, Action.CERTIFY, Action.CLOSE),
    S.REVOKED: (Action.FILE, Action.CERTIFY, Action.SUSPEND, Action.REVOKE),
}
GAP_DAYS: dict[str, tuple[int, int]] = {
    Action.CERTIFY: (20, 150),
    Action.SUSPEND: (180, 900),
    Action.REINSTATE: (40, 150),
    Action.CLOSE: (90, 700),
    Action.REVOKE: (30, 200),
}
REASONS: dict[str, dict[str, tuple[str, ...]]] = {
    "elderly": {
        Action.FILE: ("提交养老机构备案材料，经审查材料齐全，予以备案。", "按《养老机构管理办法》办理备案。"),
        Action.CERTIFY: ("经现场核查，符合养老机构服务质量基本规范，予以认证。", "服务质量评估合格，予以认证。"),
        Action.SUSPEND: (
            "消防安全检查发现重大隐患，责令暂停收住老人并限期整改。",
            "责任保险过期未续保，限期整改。",
            "未按规定公示收费标准，暂停整改。",
        ),
        Action.REINSTATE: ("整改完成，经复查合格，恢复运营。",),
        Action.CLOSE: ("举办者申请停止运营，在院老人已妥善安置。", "场地调整，停止运营，服务对象已转介。"),
        Action.REVOKE: ("整改期满仍存在重大安全隐患，撤销备案。", "骗取养老服务补贴，撤销备案。"),
    },
    "childcare": {
        Action.FILE: ("提交托育机构备案材料，经审查材料齐全，予以备案。",),
        Action.CERTIFY: ("经卫生健康部门现场核查，符合托育机构设置标准，予以认证。",),
        Action.SUSPEND: ("卫生保健检查不合格，暂停收托并限期整改。",),
        Action.REINSTATE: ("整改完成，经复查合格，恢复收托。",),
        Action.CLOSE: ("生源不足，举办者申请停止运营，在托婴幼儿已妥善转托。",),
        Action.REVOKE: ("超范围收托且整改不到位，撤销备案。",),
    },
}


def plan_steps(rng: random.Random, listing: Listing) -> list[Step]:
    """The lifecycle transitions that take a new provider to the listing's status."""
    actions = list(STATUS_PATHS[listing.status])
    if listing.name in REINSTATED:
        actions += [Action.SUSPEND, Action.REINSTATE]
    if not actions:
        return []
    if listing.status == S.FILED:
        first = random_date(rng, datetime.date(2022, 3, 1), datetime.date(2025, 10, 31))
    else:
        first = random_date(rng, datetime.date(2019, 7, 1), datetime.date(2024, 9, 30))
    dates = [first]
    for action in actions[1:]:
        lo, hi = GAP_DAYS[action]
        dates.append(dates[-1] + days(rng.randint(lo, hi)))
    overflow = (dates[-1] - LAST_DAY).days
    if overflow > 0:
        dates = [d - days(overflow) for d in dates]
    reasons = REASONS["childcare" if listing.kind in ProviderKind.childcare() else "elderly"]
    return [Step(a, d, rng.choice(reasons[a])) for a, d in zip(actions, dates, strict=True)]


# -------------------------------------------------------------- provider fields


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


# Share of providers of a kind housed in a building from before 1998.
OLD_BUILDING_SHARE: dict[str, float] = {K.TOWNSHIP_HOME: 0.8, K.DAY_CARE_CENTRE: 0.3, K.ELDERLY_INSTITUTION: 0.1}


def plan_premises(rng: random.Random, kind: str, opened_on: datetime.date, ends_on: datetime.date) -> dict[str, Any]:
    """Premises basis, build and alteration dates, lease end.

    Some township homes and day-care centres sit in buildings from before 1998 (the fire
    exemption's cut-off); half of those old buildings were never altered.
    """
    old = rng.random() < OLD_BUILDING_SHARE.get(kind, 0)
    if kind == K.HOME_CHILDCARE:
        basis = ""
    elif kind in {K.TOWNSHIP_HOME, K.HAPPINESS_HOME}:
        basis = rng.choice([PremisesBasis.NEW_BUILD, PremisesBasis.EXPANSION])
    else:
        basis = rng.choices(
            [PremisesBasis.NEW_BUILD, PremisesBasis.BOUGHT_RENOVATED, PremisesBasis.LEASED, PremisesBasis.EXPANSION],
            weights=[35, 20, 35, 10],
        )[0]
    latest_build = opened_on - days(30)
    if old:
        built = random_date(rng, datetime.date(1982, 1, 1), min(datetime.date(1997, 12, 31), latest_build))
    elif basis == PremisesBasis.NEW_BUILD:
        built = opened_on - days(rng.randint(90, 500))
    else:
        built = random_date(rng, datetime.date(1999, 1, 1), latest_build)
    built = min(built, latest_build)
    altered = None
    if basis in {PremisesBasis.EXPANSION, PremisesBasis.BOUGHT_RENOVATED} or (
        basis == PremisesBasis.LEASED and rng.random() < 0.5
    ):
        altered = max(built + days(365), opened_on - days(rng.randint(20, 300)))
        altered = min(altered, LAST_DAY)
    lease_end = None
    if basis == PremisesBasis.LEASED:
        lease_end = max(add_years(opened_on, rng.randint(5, 15)), ends_on + days(rng.randint(30, 900)))
    return {"premises_basis": basis, "built_on": built, "last_altered_on": altered, "lease_end": lease_end}


def plan_investment(rng: random.Random, kind: str, area: Decimal, basis: str) -> Decimal:
    if kind == K.SERVICE_STATION and area <= 300:
        return money(rng.randrange(80_000, 290_001, 1000))
    per_m2 = rng.uniform(1500, 4500) if basis in {PremisesBasis.NEW_BUILD, ""} else rng.uniform(800, 2200)
    return money(max(round(float(area) * per_m2, -3), 320_000))


def plan_grade(rng: random.Random, listing: Listing) -> int:
    if listing.status in {S.DRAFT, S.FILED}:
        return 0
    if listing.kind in RESIDENTIAL_KINDS:
        return rng.choices(range(6), weights=[25, 15, 25, 22, 9, 4])[0]
    if listing.kind == K.DAY_CARE_CENTRE:
        return rng.choices(range(4), weights=[40, 25, 25, 10])[0]
    return 0


def plan_bank(rng: random.Random, name: str, district: District) -> dict[str, str]:
    bank, prefix = rng.choice(BANKS)
    return {
        "bank_name": f"{bank}包头{district.short}支行",
        "bank_account_name": name,
        "bank_account_number": prefix + "".join(str(rng.randrange(10)) for _ in range(15)),
    }


def plan_description(rng: random.Random, kind: str, capacity: dict[str, Any]) -> dict[str, str]:
    group = group_of(kind)
    services = "、".join(text_from(rng, SERVICES[group], 3, 6))
    facilities = "；".join(text_from(rng, FACILITIES[group], 3, 5))
    if group == "childcare":
        intro = f"招收{rng.choice(['6个月', '1岁', '18个月'])}至3岁婴幼儿，设托位{capacity['childcare_places']}个。"
    elif capacity["beds"]:
        intro = f"设床位{capacity['beds']}张。"
    else:
        intro = "面向辖区居家老年人提供就近便利服务。"
    return {"services": f"{intro}提供{services}等服务。", "facilities": facilities + "。"}


def plan_registration(rng: random.Random, listing: Listing, serials: set[int]) -> dict[str, Any]:
    """USCC, registration and filing data, operation mode and legal form."""
    default_registrant, default_mode = DEFAULT_REGISTRANT[listing.kind]
    registrant = listing.registrant or default_registrant
    authority, legal_form = REGISTRANTS[registrant]
    while (serial := rng.randrange(10_000_000, 99_999_999)) in serials:
        pass
    serials.add(serial)
    uscc = make_uscc(authority=registrant[0], entity_type=registrant[1], area_code=listing.division, serial=serial)
    return {
        "uscc": uscc,
        "registration_number": uscc,
        "registration_authority": authority,
        "legal_form": legal_form,
        "operation_mode": listing.mode or default_mode,
    }


def plan_filing(listing: Listing, steps: list[Step], sequence: int) -> dict[str, str]:
    if not steps:
        return {"filing_authority": "", "filing_number": ""}
    childcare = listing.kind in ProviderKind.childcare()
    year = steps[0].effective_on.year
    return {
        "filing_authority": FilingAuthority.HEALTH_COMMISSION if childcare else FilingAuthority.CIVIL_AFFAIRS,
        "filing_number": f"{listing.division}-{'托育' if childcare else '养老'}备-{year}-{sequence:03d}",
    }


def plan_opening(rng: random.Random, listing: Listing, steps: list[Step]) -> datetime.date:
    """The day the provider started operating: before filing, or in 2025 for drafts."""
    if not steps:
        return random_date(rng, datetime.date(2025, 2, 1), datetime.date(2025, 11, 30))
    if listing.kind == K.TOWNSHIP_HOME:  # long-standing public homes, filed when filing began
        return random_date(rng, datetime.date(1996, 1, 1), datetime.date(2016, 12, 31))
    return steps[0].effective_on - days(rng.randint(15, 700))


def plan_provider_fields(
    rng: random.Random, listing: Listing, opened_on: datetime.date, ends_on: datetime.date
) -> dict[str, Any]:
    """The provider's own columns except registration and filing."""
    district = DISTRICTS[listing.division]
    capacity = plan_capacity(rng, listing.kind)
    premises = plan_premises(rng, listing.kind, opened_on, ends_on)
    investment = plan_investment(rng, listing.kind, capacity["floor_area_m2"], premises["premises_basis"])
    has_medical = listing.kind == K.MEDICAL_ELDERLY or (
        listing.kind in RESIDENTIAL_KINDS and capacity["beds"] >= 100 and rng.random() < 0.6
    )
    return {
        "name": listing.name,
        "kind": listing.kind,
        "address": f"包头市{district.name}{listing.locality}{rng.randint(1, 188)}号",
        "latitude": Decimal(f"{district.lat + rng.uniform(-0.02, 0.02):.6f}"),
        "longitude": Decimal(f"{district.lon + rng.uniform(-0.025, 0.025):.6f}"),
        "contact_person": person_name(rng, male=rng.random() < 0.4, elderly=False),
        "contact_phone": landline(rng, district),
        **plan_description(rng, listing.kind, capacity),
        **capacity,
        **premises,
        "investment_yuan": investment,
        "grade": plan_grade(rng, listing),
        "has_medical_unit": has_medical,
        **(plan_bank(rng, listing.name, district) if listing.status != S.DRAFT else {}),
    }


# ------------------------------------------------------------ related records


def is_fire_exempt(fields: dict[str, Any]) -> bool:
    """Mirror of the 000:439-447 exemption (see ``fire_safety``) for the planned values."""
    old = fields["built_on"] < datetime.date(1998, 9, 1) and fields["last_altered_on"] is None
    return old or fields["floor_area_m2"] <= 300 or fields["investment_yuan"] <= 300_000


def plan_fire_licence(rng: random.Random, plan: ProviderPlan, district: District) -> list[dict[str, Any]]:
    fields = plan.fields
    if is_fire_exempt(fields) or (plan.listing.status == S.DRAFT and rng.random() < 0.5):
        return []
    works = fields["last_altered_on"] or fields["built_on"]
    if works >= plan.opened_on - days(180):  # accepted or filed after the works, before or soon after opening
        issued = min(works + days(rng.randint(20, 120)), LAST_DAY)
    else:
        issued = plan.opened_on - days(rng.randint(5, 60))
    acceptance = fields["floor_area_m2"] > 1000
    # Housing and construction took fire acceptance/filing over from the fire service in mid-2019.
    if issued >= datetime.date(2019, 6, 28):
        issuer, prefix = f"包头市{district.name}住房和城乡建设局", f"包{district.short}住建消"
    else:
        issuer, prefix = f"包头市公安消防支队{district.short}大队", f"包{district.short}公消"
    code = "验" if acceptance else "备"
    return [
        {
            "kind": Licence.Kind.FIRE_ACCEPTANCE if acceptance else Licence.Kind.FIRE_FILING,
            "number": f"{prefix}{code}字〔{issued.year}〕第{rng.randint(1, 480):04d}号",
            "issuer": issuer,
            "issued_on": issued,
        }
    ]


def plan_food_licences(rng: random.Random, plan: ProviderPlan, district: District) -> list[dict[str, Any]]:
    """Five-year food business licences, renewed while the provider keeps operating."""
    if plan.listing.kind not in CANTEEN_KINDS:
        return []
    licences = []
    issued = plan.opened_on - days(rng.randint(5, 40))
    while True:
        expires = add_years(issued, 5) - days(1)
        licences.append(
            {
                "kind": Licence.Kind.FOOD_BUSINESS,
                "number": f"JY3{district.code}{rng.randrange(10**6):06d}{rng.randrange(10)}",
                "issuer": f"包头市{district.name}市场监督管理局",
                "issued_on": issued,
                "expires_on": expires,
            }
        )
        if expires >= plan.ends_on:
            return licences
        issued = expires - days(rng.randint(5, 30))


def plan_insurance(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    """The last one-year liability policy; a few lapsed before the anchor date."""
    if plan.listing.status == S.DRAFT:
        return []
    if plan.ends_on < LAST_DAY:
        issued = plan.ends_on - days(rng.randint(30, 330))
    elif rng.random() < 0.1:
        issued = random_date(rng, datetime.date(2024, 3, 1), datetime.date(2024, 10, 31))
    else:
        issued = random_date(rng, datetime.date(2025, 1, 15), datetime.date(2025, 12, 20))
    fields = plan.fields
    if fields["beds"] >= 30:
        premium = fields["beds"] * rng.randint(60, 120)
    elif fields["childcare_places"]:
        premium = max(fields["childcare_places"] * rng.randint(40, 80), 600)
    else:
        premium = rng.randrange(800, 3001, 100)
    return [
        {
            "kind": Licence.Kind.LIABILITY_INSURANCE,
            "number": f"PZAA{issued.year}1502{rng.randrange(10**9):09d}",
            "issuer": rng.choice(INSURERS),
            "issued_on": issued,
            "expires_on": add_years(issued, 1) - days(1),
            "premium_yuan": money(premium),
        }
    ]


def plan_medical_filing(rng: random.Random, plan: ProviderPlan, district: District) -> list[dict[str, Any]]:
    if not plan.fields["has_medical_unit"]:
        return []
    issued = min(plan.opened_on + days(rng.randint(30, 400)), plan.ends_on)
    return [
        {
            "kind": Licence.Kind.MEDICAL_FILING,
            "number": f"{district.code}YLBA{issued.year}{rng.randint(1, 300):03d}",
            "issuer": f"包头市{district.name}卫生健康委员会",
            "issued_on": issued,
        }
    ]


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


def plan_fees(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    start = max(plan.opened_on, min(datetime.date(2024, 1, 1), plan.ends_on - days(400)))
    effective_from = random_date(rng, start, min(start + days(365), plan.ends_on))
    effective_to = plan.ends_on if plan.ends_on < LAST_DAY else None
    fees = []
    for kind, name, unit, lo, hi in FEE_RANGES[group_of(plan.listing.kind)]:
        step = 1 if hi < 100 else 10
        amount = rng.randrange(lo, hi + 1, step)
        if plan.listing.kind == K.TOWNSHIP_HOME:
            amount = round(amount * 0.7)
        fees.append(
            {
                "kind": kind,
                "name": name,
                "amount": money(amount),
                "unit": unit,
                "effective_from": effective_from,
                "effective_to": effective_to,
            }
        )
    return fees


def plan_annual_reports(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    """Reports for 2022-2024 of non-profits, for the years they were filed and open."""
    if plan.fields["legal_form"] != LegalForm.NON_PROFIT or not plan.steps:
        return []
    scale = max(plan.fields["beds"], plan.fields["childcare_places"], 10)
    reports = []
    for year in range(max(2022, plan.steps[0].effective_on.year), 2025):
        if datetime.date(year, 12, 31) > plan.ends_on:
            break
        income = scale * rng.uniform(12_000, 30_000)
        submitted = random_date(rng, datetime.date(year + 1, 3, 1), datetime.date(year + 1, 5, 31))
        published = submitted + days(rng.randint(10, 40)) if rng.random() < 0.8 else None
        reports.append(
            {
                "year": year,
                "submitted_on": submitted,
                "published_on": published,
                "total_income": money(round(income, -2)),
                "total_expenditure": money(round(income * rng.uniform(0.85, 1.08), -2)),
            }
        )
    return reports


def plan_credit_records(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    record = CREDIT_RECORDS.get(plan.listing.name)
    if record is None or not plan.steps:
        return []
    kind, source, description = record
    if kind == CreditRecord.Kind.COMMENDATION:
        start = random_date(rng, max(plan.steps[-1].effective_on, datetime.date(2024, 12, 1)), LAST_DAY)
        end = None
    else:
        start = plan.steps[-1].effective_on
        end = add_years(start, 3) if kind == CreditRecord.Kind.BLACKLIST else None
    return [{"kind": kind, "start_on": start, "end_on": end, "source": source, "description": description}]


# ------------------------------------------------------------------- people plan


CARE_LEVEL_WEIGHTS: dict[str, list[int]] = {
    # self-care, partly disabled, disabled, cognitively impaired
    K.ELDERLY_INSTITUTION: [30, 30, 25, 15],
    K.MEDICAL_ELDERLY: [10, 25, 45, 20],
    K.TOWNSHIP_HOME: [55, 25, 15, 5],
}


def bed_labels(beds: int) -> list[str]:
    """``101-1``, ``101-2``, ``102-1`` …: ten two-bed rooms per floor."""
    return [f"{n // 20 + 1}{(n % 20) // 2 + 1:02d}-{n % 2 + 1}" for n in range(beds)]


def resident_categories(rng: random.Random, kind: str, birth_year: int) -> list[str]:
    categories = []
    if kind == K.TOWNSHIP_HOME and rng.random() < 0.85:
        categories.append(ResidentCategory.EXTREME_POVERTY)
    elif rng.random() < 0.12:
        categories.append(ResidentCategory.DIBAO)
    elif rng.random() < 0.05:
        categories.append(ResidentCategory.MARGINAL_LOW_INCOME)
    if birth_year <= 1945 and rng.random() < 0.7:
        categories.append(ResidentCategory.ADVANCED_AGE)
    if rng.random() < 0.04:
        categories.append(ResidentCategory.SPECIAL_FAMILY_PLANNING)
    return [str(c) for c in categories]


def plan_residents(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    """5-40 residents (fewer than beds); everyone has left a closed or revoked provider."""
    kind = plan.listing.kind
    if kind not in RESIDENTIAL_KINDS:
        return []
    beds = plan.fields["beds"]
    count = min(rng.randint(5, 12) if not plan.steps else rng.randint(5, 40), beds - 1)
    areas = DISTRICTS[plan.listing.division].id_areas
    used: set[str] = set()
    residents = []
    for bed in rng.sample(bed_labels(beds), count):
        male = rng.random() < 0.45
        local = rng.random() < 0.8
        id_number = unique_id_number(rng, areas if local else BAOTOU_ID_AREAS, 1930, 1960, male=male, used=used)
        admitted = random_date(rng, max(plan.opened_on, plan.ends_on - days(8 * 365)), plan.ends_on)
        discharged = None
        if plan.ends_on < LAST_DAY or rng.random() < 0.15:
            discharged = random_date(rng, admitted, plan.ends_on)
        residents.append(
            {
                "name": person_name(rng, male=male, elderly=True),
                "id_number": id_number,
                "phone": mobile(rng) if rng.random() < 0.35 else "",
                "bed_number": bed,
                "admitted_on": admitted,
                "discharged_on": discharged,
                "care_level": rng.choices(CareLevel.values, weights=CARE_LEVEL_WEIGHTS[kind])[0],
                "categories": resident_categories(rng, kind, int(id_number[6:10])),
            }
        )
    return residents


def caregiver_count(plan: ProviderPlan) -> int:
    if plan.listing.kind in ProviderKind.childcare():
        return max(2, min(10, plan.fields["childcare_places"] // 7))
    if plan.residents:
        return max(2, min(10, len(plan.residents) // 4))
    return 0


def plan_caregivers(rng: random.Random, plan: ProviderPlan, used_ids: set[str]) -> list[dict[str, Any]]:
    """2-10 caregivers; about a quarter started nursing less than two years before the anchor."""
    childcare = plan.listing.kind in ProviderKind.childcare()
    areas = DISTRICTS[plan.listing.division].id_areas + BAOTOU_ID_AREAS
    two_years_ago = add_years(ANCHOR, -2) + days(1)
    caregivers = []
    for _ in range(caregiver_count(plan)):
        male = rng.random() < (0.05 if childcare else 0.15)
        id_number = unique_id_number(rng, areas, 1965, 2000, male=male, used=used_ids)
        adult = add_years(datetime.date(int(id_number[6:10]), 12, 31), 18)
        latest_start = plan.ends_on - days(30)
        if latest_start > two_years_ago and rng.random() < 0.25:
            employed_from = random_date(rng, max(two_years_ago, plan.opened_on), latest_start)
            nursing_since = employed_from
        else:
            employed_from = random_date(rng, max(plan.opened_on, adult), latest_start)
            nursing_since = max(adult, employed_from - days(rng.randint(0, 3000)))
        level = rng.choices(CertificateLevel.values, weights=[20, 45, 25, 10])[0]
        certified = level != CertificateLevel.NONE
        issued = min(nursing_since + days(rng.randint(90, 1500)), LAST_DAY) if certified else None
        employed_to = None
        if plan.ends_on < LAST_DAY:
            employed_to = plan.ends_on
        elif rng.random() < 0.1:
            employed_to = random_date(rng, employed_from, LAST_DAY)
        employed_from = min(employed_from, plan.ends_on)
        caregivers.append(
            {
                "name": person_name(rng, male=male, elderly=False),
                "id_number": id_number,
                "phone": mobile(rng) if rng.random() < 0.9 else "",
                "certificate_level": level,
                "certificate_number": certificate_number(rng, level, childcare, issued),
                "certificate_issued_on": issued,
                "nursing_since": nursing_since,
                "employed_from": employed_from,
                "employed_to": employed_to,
            }
        )
    return caregivers


def certificate_number(rng: random.Random, level: str, childcare: bool, issued: datetime.date | None) -> str:
    if issued is None:
        return ""
    level_digit: dict[str, str] = {
        CertificateLevel.JUNIOR: "5",
        CertificateLevel.INTERMEDIATE: "4",
        CertificateLevel.SENIOR: "3",
    }
    trade = "BY" if childcare else "YL"  # 保育师 / 养老护理员
    return f"{trade}1502{issued.year}{level_digit[level]}{rng.randrange(10**6):06d}"


# --------------------------------------------------------------------- the plan


def plan_provider(
    rng: random.Random, listing: Listing, sequence: int, serials: set[int], caregiver_ids: set[str]
) -> ProviderPlan:
    """Plan one provider and everything attached to it."""
    district = DISTRICTS[listing.division]
    steps = plan_steps(rng, listing)
    opened_on = plan_opening(rng, listing, steps)
    ends_on = steps[-1].effective_on if listing.status in {S.CLOSED, S.REVOKED} else LAST_DAY
    fields = {
        **plan_registration(rng, listing, serials),
        **plan_filing(listing, steps, sequence),
        **plan_provider_fields(rng, listing, opened_on, ends_on),
    }
    plan = ProviderPlan(listing=listing, fields=fields, steps=steps, opened_on=opened_on, ends_on=ends_on)
    plan.licences = [
        *plan_fire_licence(rng, plan, district),
        *plan_food_licences(rng, plan, district),
        *plan_insurance(rng, plan),
        *plan_medical_filing(rng, plan, district),
    ]
    plan.fee_items = plan_fees(rng, plan)
    plan.annual_reports = plan_annual_reports(rng, plan)
    plan.credit_records = plan_credit_records(rng, plan)
    plan.residents = plan_residents(rng, plan)
    plan.caregivers = plan_caregivers(rng, plan, caregiver_ids)
    return plan


def build_plan(seed: int = SEED) -> list[ProviderPlan]:
    """The complete demo data set as plain values. Same seed, same plan; no database access."""
    rng = random.Random(seed)
    serials: set[int] = set()
    caregiver_ids: set[str] = set()
    return [plan_provider(rng, listing, n, serials, caregiver_ids) for n, listing in enumerate(CATALOGUE, 1)]


# ------------------------------------------------------------------- writing


def refuse_in_production() -> None:
    """Demo data and a published password must never reach the live register."""
    modules = {os.environ.get("DJANGO_SETTINGS_MODULE"), getattr(settings, "SETTINGS_MODULE", None)}
    if PRODUCTION_SETTINGS in modules:
        raise DemoDataRefused(
            f"seed_demo refuses to run with the production settings ({PRODUCTION_SETTINGS}): "
            "demo providers, residents and users with a published password must never enter a live register."
        )


def ensure_reference_data() -> dict[str, Division]:
    """Baotou's county-level units (and the Rare Earth zone), loading reference data if missing."""
    codes = [BAOTOU, *DISTRICTS]
    if Division.objects.filter(code__in=codes).count() < len(codes):
        reference_data.load()
    return {d.code: d for d in Division.objects.filter(code__in=codes)}


def ensure_system_user() -> User:
    """The non-login actor recorded on the demo's lifecycle transitions."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, first_name="演示数据", is_staff=False, is_active=True)
        user.set_unusable_password()
        user.save()
    return user


def ensure_demo_users(divisions: dict[str, Division], summary: SeedSummary) -> None:
    """Create the demo staff users once; existing users are left exactly as they are."""
    for demo in DEMO_USERS:
        if User.objects.filter(username=demo.username).exists():
            continue
        user = User.objects.create_user(
            username=demo.username,
            password=DEMO_PASSWORD,
            email=f"{demo.username}@demo.invalid",
            is_staff=True,
            jurisdiction=divisions[demo.jurisdiction],
        )
        user.groups.add(Group.objects.get(name=demo.role))
        summary.users_created.append(demo.username)


NEWCOMER_USERNAME = "newcomer_shiguai"


def ensure_demo_role_request(divisions: dict[str, Division], summary: SeedSummary) -> None:
    """A new Shiguai clerk's account, opened by the system admin, whose role waits for the
    security admin's confirmation (三员分立: the second person confirms)."""
    if User.objects.filter(username=NEWCOMER_USERNAME).exists():
        return
    newcomer = User(
        username=NEWCOMER_USERNAME,
        first_name="晓东",
        last_name="李",
        email="",
        is_staff=True,
        jurisdiction=divisions["150205"],
    )
    newcomer.set_unusable_password()  # sets their own password from a one-time link
    newcomer.save()
    RoleGrant.objects.create(
        user=newcomer,
        group=Group.objects.get(name=roles.DISTRICT_CLERK),
        reason="石拐区民政局新入职经办人员，任命文件石民发〔2026〕31号",
        requested_by=User.objects.get(username="sysadmin"),
    )
    summary.users_created.append(NEWCOMER_USERNAME)


def create_provider(plan: ProviderPlan, division: Division, actor: User) -> Provider:
    """Save the provider as a draft, then walk it through its lifecycle transitions."""
    provider = Provider(division=division, **plan.fields)
    # Reminder digests for self-inspections go to the institution (a reserved domain).
    provider.contact_email = f"{provider.uscc.lower()}@demo.invalid"
    provider.full_clean()
    provider._history_user = actor
    provider._change_reason = CHANGE_REASON
    provider.save()
    for step in plan.steps:
        provider_transition(
            provider=provider,
            action=step.action,
            reason=step.reason,
            effective_on=step.effective_on,
            actor=actor,
            check_permission=False,
        )
    return provider


def related_objects(plan: ProviderPlan, provider: Provider) -> dict[type[Model], list[Model]]:
    """Unsaved, validated rows attached to ``provider``, by model."""
    rows: dict[type[Model], Iterable[dict[str, Any]]] = {
        Licence: plan.licences,
        FeeItem: plan.fee_items,
        AnnualReport: plan.annual_reports,
        CreditRecord: plan.credit_records,
        Resident: plan.residents,
        Caregiver: plan.caregivers,
    }
    objects: dict[type[Model], list[Model]] = {}
    for model, values in rows.items():
        objects[model] = [model(provider=provider, **v) for v in values]
        for obj in objects[model]:
            obj.full_clean(validate_unique=False, validate_constraints=False)
    return objects


def drop_known_caregivers(caregivers: list[Model]) -> list[Model]:
    """Caregiver ID numbers are unique across providers: skip any already in the database."""
    numbers = [c.id_number for c in caregivers]  # type: ignore[attr-defined]  # Caregiver rows
    known = set(Caregiver.objects.filter(id_number__in=numbers).values_list("id_number", flat=True))
    return [c for c in caregivers if c.id_number not in known]  # type: ignore[attr-defined]  # Caregiver rows


def write_plan(plans: list[ProviderPlan], divisions: dict[str, Division], actor: User, summary: SeedSummary) -> None:
    """Create the providers that are not there yet (by USCC), then their rows in bulk."""
    existing = set(Provider.objects.filter(uscc__in=[p.uscc for p in plans]).values_list("uscc", flat=True))
    pending: dict[type[Model], list[Model]] = {}
    for plan in plans:
        if plan.uscc in existing:
            summary.providers_existing += 1
            continue
        provider = create_provider(plan, divisions[plan.listing.division], actor)
        summary.providers_created += 1
        summary.created[ProviderStatusChange.__name__] += len(plan.steps)
        for model, objects in related_objects(plan, provider).items():
            pending.setdefault(model, []).extend(objects)
    if Caregiver in pending:
        pending[Caregiver] = drop_known_caregivers(pending[Caregiver])
    for model, objects in pending.items():
        bulk_create_with_history(
            objects, model, batch_size=500, default_user=actor, default_change_reason=CHANGE_REASON
        )
        summary.created[model.__name__] += len(objects)


def seed() -> SeedSummary:
    """Write the demo data set (idempotent); refuses to run with production settings."""
    refuse_in_production()
    summary = SeedSummary()
    plans = build_plan()
    with transaction.atomic():
        divisions = ensure_reference_data()
        actor = ensure_system_user()
        ensure_demo_users(divisions, summary)
        ensure_demo_role_request(divisions, summary)
        write_plan(plans, divisions, actor, summary)
    return summary


def format_summary(summary: SeedSummary) -> str:
    """A few lines for the console: what was created and who can log in."""
    lines = [
        f"Providers: {summary.providers_created} created, {summary.providers_existing} already present.",
        *(f"  {name}: {count} created" for name, count in sorted(summary.created.items())),
        f"Demo users created: {', '.join(summary.users_created) or 'none (all present)'}",
        f"Demo staff users (password {DEMO_PASSWORD}):",
    ]
    names = dict(Division.objects.filter(code__in={u.jurisdiction for u in DEMO_USERS}).values_list("code", "name"))
    lines += [f"  {u.username:<20} {u.jurisdiction}  {u.role} · {names.get(u.jurisdiction, '')}" for u in DEMO_USERS]
    return "\n".join(lines)
