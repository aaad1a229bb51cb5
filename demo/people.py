"""People, numbers and dates as the demo and the scale data draw them: Chinese and
Mongolian names, mobile numbers, banks and insurers, resident categories and care levels,
and the small date and money helpers both generators use."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from registry.models import ProviderKind, ResidentCategory, User

K = ProviderKind


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


def person_name(rng: random.Random, *, male: bool, elderly: bool) -> str:
    if rng.random() < 0.08:
        return rng.choice(MONGOLIAN_MALE if male else MONGOLIAN_FEMALE)
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES[elderly, male])


def text_from(rng: random.Random, pool: Sequence[str], lo: int, hi: int) -> list[str]:
    return rng.sample(list(pool), rng.randint(lo, min(hi, len(pool))))


CARE_LEVEL_WEIGHTS: dict[str, list[int]] = {
    # self-care, partly disabled, disabled, cognitively impaired
    K.ELDERLY_INSTITUTION: [30, 30, 25, 15],
    K.MEDICAL_ELDERLY: [10, 25, 45, 20],
    K.TOWNSHIP_HOME: [55, 25, 15, 5],
}


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


def ensure_system_user(username: str, name: str, today: datetime.date | None = None) -> User:
    """The non-login actor recorded on generated lifecycle transitions; it joins on the day
    the data are first written (``today``, by default now), which ``demo.upkeep`` reads back."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=name, is_staff=False, is_active=True)
        if today is not None:
            user.date_joined = datetime.datetime.combine(
                today, datetime.time(8), tzinfo=timezone.get_current_timezone()
            )
        user.set_unusable_password()
        user.save()
    return user
