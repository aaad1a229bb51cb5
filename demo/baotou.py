"""The demo's Baotou (包头市, 150200): its districts, the demo staff users, and the
catalogue of about sixty providers with their statuses, names and streets.

The demo runs on a given day (``seed_demo`` takes today's): its history ends the day before.
The plan is written for a demo run on ``REFERENCE_DAY``; ``moved`` carries a date of that
calendar to the day the demo runs, so the same seed on the same day plans the same data.
"""

from __future__ import annotations

import datetime
import random
from typing import NamedTuple

from registry.models import CreditRecord, ProviderKind, ProviderStatus, StaffDepartment
from registry.staff import roles

from .kinds import PBPA, PBPR, PRIVATE, PUBLIC

SEED = 20261123
REFERENCE_DAY = datetime.date(2026, 1, 1)  # the day the plan's written dates are for
BAOTOU = "150200"
RARE_EARTH_ZONE = "150271"
DEMO_PASSWORD = "demo-Pass-2026"  # noqa: S105 — published demo password, refused in production
SYSTEM_USERNAME = "demo-system"
NEWCOMER_USERNAME = "newcomer_shiguai"  # a clerk whose role waits for the security admin
CHANGE_REASON = "演示数据"

K = ProviderKind
S = ProviderStatus


def moved(day: datetime.date, anchor: datetime.date) -> datetime.date:
    """``day`` of the plan's calendar (a demo run on ``REFERENCE_DAY``) for a demo run on
    ``anchor``: every generated date moves by the same number of days."""
    return day + (anchor - REFERENCE_DAY)


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
    DemoUser("inspector_health_baotou", roles.INSPECTOR, BAOTOU),  # the city's health commission: childcare only
    DemoUser("sysadmin", roles.SYSTEM_ADMIN, BAOTOU),
    DemoUser("secadmin", roles.SECURITY_ADMIN, BAOTOU),
    DemoUser("auditor", roles.AUDIT_ADMIN, BAOTOU),
)

# The department of a demo user who works for one (``User.department``; the others are the
# bureau's own staff and see every kind of provider, as the demo's inspectors always have).
DEMO_DEPARTMENTS: dict[str, str] = {"inspector_health_baotou": StaffDepartment.HEALTH_COMMISSION}


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


def landline(rng: random.Random, district: District) -> str:
    return f"0472-{district.phone_digit}{rng.randrange(10**6):06d}"


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

# Two Kundulun homes between which two people move (a transfer and an overlap), and the
# Jiuyuan home whose food business licence lapses (on hold: its money waits), demo/subsidies.py.
# The Mongolian names (traditional script) a few demo providers record for the /mn/ pages
# (docs/mongolian.md; written without a native speaker, like the glossary).
MONGOLIAN_NAMES = {
    "昆都仑区阳光颐养院": "ᠬᠦᠨᠳᠦᠯᠡᠨ ᠲᠣᠭᠣᠷᠢᠭ ᠤᠨ ᠨᠠᠷᠠᠨ ᠭᠡᠷᠡᠯ ᠥᠨᠳᠥᠷ ᠨᠠᠰᠤᠲᠠᠨ ᠠᠰᠠᠷᠠᠬᠤ ᠭᠡᠷ",
    "昆都仑区贝贝乐托育中心": "ᠬᠦᠨᠳᠦᠯᠡᠨ ᠲᠣᠭᠣᠷᠢᠭ ᠤᠨ ᠪᠡᠢᠪᠡᠢᠯᠡ ᠨᠢᠯᠬ᠎ᠠ ᠬᠡᠦᠬᠡᠳ ᠠᠰᠠᠷᠠᠬᠤ ᠲᠥᠪ",
    "达尔罕茂明安联合旗石宝镇乌兰嘎查互助幸福院": "ᠤᠯᠠᠭᠠᠨ ᠭᠠᠴᠠᠭ᠎ᠠ ᠶᠢᠨ ᠬᠠᠷᠢᠯᠴᠠᠨ ᠲᠤᠰᠠᠯᠠᠬᠤ ᠵᠢᠷᠭᠠᠯᠠᠩ ᠤᠨ ᠭᠡᠷ",
}

MOVED_FROM = "昆都仑区阳光颐养院"
MOVED_TO = "包头市鹿城福寿养老院"
FOOD_LICENCE_LAPSES = "九原区夕阳红养老中心"

# Non-profit homes that have not sent their last annual report (the clerk's reminder).
OVERDUE_REPORTS = frozenset({"东河区仁爱养老院", "土默特右旗美岱召镇敬老院"})

# Certified again after a suspension: their history shows suspend + reinstate.
REINSTATED = frozenset({"昆都仑区阳光颐养院", "土默特右旗萨拉齐镇福康养老院"})

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
