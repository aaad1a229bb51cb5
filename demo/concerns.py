"""Demo concerns from citizens (issue 19): thirteen over the past thirteen months, across
Baotou's districts, elderly and infant care and every subject.

Ten are closed with an outcome and a public reply (substantiated, partly, not
substantiated, referred to the police and education authorities, withdrawn); three are
open: one just received, one under investigation and due within three days (the daily
reminder names it), and one under investigation and past its reply date at 包头市鹿城福寿养老院
in Kundulun, so that ``clerk_kundulun``'s workbench shows an overdue concern. Contacts, where
a citizen left one, are demo values; the oldest case was closed more than
``CONCERN_CONTACT_RETENTION_DAYS`` ago, so the seed's retention run has deleted its contact.

Deterministic: the reference numbers are drawn from the demo's seed (their year is the
year received), so ``seed_demo`` prints the same one to look up on every run
(``lookup_reference``). Idempotent: a concern already there (its reference) is left alone.
Run on a later day, the demo moves forward: the open cases of the earlier day are closed
(partly substantiated, replied to within 20 days) and the day's three open cases are new.
Received through ``concerns.cases`` as a citizen or a clerk would; the times of the later
steps are then set back to their demo days.
"""

from __future__ import annotations

import datetime
import random
from typing import NamedTuple

from django.utils import timezone

from concerns.cases import concern_close, concern_receive, concern_start_investigation
from concerns.models import Category, Concern, Outcome, Status
from concerns.references import ALPHABET, RANDOM_LENGTH, format_reference
from concerns.reminders import clerks_of, district_clerks
from concerns.retention import delete_old_concern_contacts
from registry.models import Provider, User

from .baotou import SEED
from .people import days, mobile, person_name

C, OUT = Category, Outcome


class Case(NamedTuple):
    provider: str
    received_days_ago: int
    category: str
    description: str
    contact: str  # "" none, "phone", "name+phone", "email"
    outcome: str = ""  # "" open
    reply: str = ""
    investigated: bool = True  # started an investigation (an open case: under investigation)
    closed_after_days: int = 15


CASES: tuple[Case, ...] = (
    Case(
        "昆都仑区阳光颐养院",
        320,
        C.FEES,
        "三月份的账单多收了护理费：老人的护理等级没有变，却按失能老人的标准收费，问了几次都没有答复。",
        "name+phone",
        OUT.SUBSTANTIATED,
        "经核查，该院三月份护理费按错误的护理等级收取。已责令退还多收费用，并按月出具费用清单。",
    ),
    Case(
        "青山区小太阳托育园",
        290,
        C.FOOD,
        "孩子接回家后说午饭是凉的，连续几天都这样，餐具看起来也不干净。",
        "",
        OUT.PARTLY_SUBSTANTIATED,
        "现场检查发现午餐保温设备故障，已维修；餐具消毒记录完整。已要求机构每日检查午餐温度。",
    ),
    Case(
        "九原区夕阳红养老中心",
        250,
        C.STAFF_CONDUCT,
        "夜班护理员对老人说话很凶，老人晚上不敢按呼叫铃。",
        "name+phone",
        OUT.SUBSTANTIATED,
        "经调查属实。机构已安排该护理员停岗培训，并增加夜班巡查；区民政部门将在下次检查时复查。",
    ),
    Case(
        "东河区仁爱养老院",
        210,
        C.SAFETY,
        "三楼走廊的安全出口被杂物堵住了，晚上应急灯也不亮。",
        "",
        OUT.PARTLY_SUBSTANTIATED,
        "现场核实安全出口有杂物占用，已当场清理；应急照明检测正常。已纳入季度安全检查复查。",
    ),
    Case(
        "昆都仑区贝贝乐托育中心",
        180,
        C.HYGIENE,
        "教室里有异味，孩子最近经常拉肚子，担心卫生有问题。",
        "email",
        OUT.NOT_SUBSTANTIATED,
        "卫生监督部门现场检查，环境卫生和消毒记录符合要求，未发现群体性疾病。已提醒机构加强通风。",
    ),
    Case(
        "青山区颐和养老院",
        150,
        C.CONTRACT,
        "老人退住以后，合同里剩下两个月的床位费一直不给退。",
        "name+phone",
        OUT.SUBSTANTIATED,
        "经核查，机构未按合同退还未到期费用。已责令如数退还，机构已退款。",
    ),
    Case(
        "稀土高新区康乐养老服务中心",
        120,
        C.CARE_QUALITY,
        "老人身上长了褥疮，护理员没有按时帮老人翻身。",
        "phone",
        OUT.PARTLY_SUBSTANTIATED,
        "调查发现翻身记录不完整。已要求机构按护理等级落实定时翻身，并请合作医疗机构会诊。",
        closed_after_days=19,
    ),
    Case(
        "九原区阳光幼儿园托班",
        95,
        C.ABUSE_NEGLECT,
        "听其他家长说有老师打孩子，希望有人来查一查。",
        "",
        OUT.REFERRED,
        "该情况已转交公安机关和教育部门依法处理。",
        closed_after_days=2,
    ),
    Case(
        "东河区机关托儿所",
        40,
        C.FEES,
        "托育费涨价没有提前通知家长。",
        "name+phone",
        OUT.WITHDRAWN,
        "投诉人与机构协商解决后撤回投诉。",
        investigated=False,
        closed_after_days=6,
    ),
    # Open: just received; due within three days; past its reply date (the workbench's urgent item).
    Case("青山区育才托儿所", 4, C.SAFETY, "接送孩子的时候大门经常开着，门口没有人看守。", "phone", investigated=False),
    Case("东河区沙尔沁镇敬老院", 19, C.FOOD, "饭菜太咸，老人有高血压，提过意见也没有改。", "name+phone"),
    Case("包头市鹿城福寿养老院", 27, C.STAFF_CONDUCT, "护理员向家属要红包，说不给就不好好照顾老人。", "name+phone"),
    # Closed more than CONCERN_CONTACT_RETENTION_DAYS ago: the seed's retention run deletes its contact.
    Case(
        "昆都仑区阳光颐养院",
        400,
        C.CARE_QUALITY,
        "老人摔倒以后护理员过了半个多小时才发现，也没有及时通知家属。",
        "name+phone",
        OUT.SUBSTANTIATED,
        "经调查属实。已责令机构完善夜间巡查和跌倒报告制度，并对当班护理员进行培训。",
    ),
)
LOOKUP_CASE = 0  # the case whose reference seed_demo prints (closed, with a reply)
# How an open case of an earlier run is closed when the demo moves forward.
LATER_REPLY = "经核查，反映的问题部分属实，已要求机构限期整改，区民政部门将复查。"


def _rng(index: int, purpose: str) -> random.Random:
    return random.Random(f"{SEED}:concerns:{index}:{purpose}")


def reference_code(index: int, today: datetime.date) -> str:
    """A closed case's code is the same whatever the day; an open case's is the day's own,
    so that a run on a later day receives new open cases (``seed``)."""
    purpose = "reference" if CASES[index].outcome else f"reference:{today.isoformat()}"
    rng = _rng(index, purpose)
    return "".join(rng.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def lookup_reference() -> str | None:
    """The reference of the demo's case to look up (``LOOKUP_CASE``), if it was seeded."""
    code = reference_code(LOOKUP_CASE, timezone.localdate())  # closed: the same on every day
    wanted = format_reference(0, code)[-9:]  # its last two groups of four, whatever the year
    return Concern.objects.filter(reference__endswith=wanted).values_list("reference", flat=True).first()


def _received_at(today: datetime.date, days_ago: int, rng: random.Random) -> datetime.datetime:
    day = today - days(days_ago)
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 21), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _contact(kind: str, rng: random.Random) -> dict[str, str]:
    if kind == "email":
        return {"contact_email": f"concern{rng.randrange(10**4):04d}@demo.invalid"}
    contact = {"contact_phone": mobile(rng)} if "phone" in kind else {}
    if "name" in kind:
        contact["contact_name"] = person_name(rng, male=rng.random() < 0.5, elderly=False)
    return contact


def _clerk(provider: Provider, clerks: list[User]) -> User | None:
    mine = sorted(clerks_of(provider, clerks), key=lambda user: user.username)
    return mine[0] if mine else None


def close_earlier_open_cases(today: datetime.date, clerks: list[User]) -> int:
    """The open cases of a run on an earlier day, closed as their clerk would have (a run
    on a later day moves the demo forward: its open cases are that day's)."""
    todays = {format_reference(0, reference_code(i, today))[-9:] for i, case in enumerate(CASES) if not case.outcome}
    descriptions = [case.description for case in CASES if not case.outcome]
    earlier = (
        Concern.objects.filter(description__in=descriptions, received_at__date__lt=today)
        .exclude(status=Status.CLOSED)
        .select_related("provider__division")
    )
    closed = 0
    for concern in earlier:
        clerk = _clerk(concern.provider, clerks)
        if clerk is None or concern.reference[-9:] in todays:
            continue
        if concern.status == Status.RECEIVED:
            concern = concern_start_investigation(concern=concern, actor=clerk)
        concern_close(concern=concern, outcome=OUT.PARTLY_SUBSTANTIATED, public_reply=LATER_REPLY, actor=clerk)
        replied = min(timezone.localtime(concern.received_at).date() + days(20), today)
        Concern.objects.filter(pk=concern.pk).update(
            closed_at=timezone.make_aware(datetime.datetime.combine(replied, datetime.time(16, 0)))
        )
        closed += 1
    return closed


def seed(today: datetime.date) -> dict[str, int]:
    created = {"concerns received": 0, "concerns closed": 0, "concerns open": 0}
    clerks = district_clerks()
    created["concerns closed"] += close_earlier_open_cases(today, clerks)
    providers = {p.name: p for p in Provider.objects.filter(name__in=[case.provider for case in CASES])}
    for index, case in enumerate(CASES):
        provider = providers.get(case.provider)
        clerk = _clerk(provider, clerks) if provider is not None else None
        if provider is None or clerk is None:
            continue
        rng = _rng(index, "case")
        received_at = _received_at(today, case.received_days_ago, rng)
        reference = format_reference(timezone.localtime(received_at).year, reference_code(index, today))
        if Concern.objects.filter(reference__endswith=reference[-9:]).exists():  # seeded already
            continue
        concern = concern_receive(
            provider=provider,
            category=case.category,
            description=case.description,
            received_at=received_at,
            reference=reference,
            actor=clerk if index % 4 == 3 else None,  # one in four taken down from a call
            **_contact(case.contact, rng),
        )
        created["concerns received"] += 1
        started = received_at + datetime.timedelta(days=2, hours=rng.randint(0, 6))
        if case.investigated:
            concern = concern_start_investigation(concern=concern, actor=clerk)
            Concern.objects.filter(pk=concern.pk).update(investigation_started_at=started)
        if case.outcome:
            concern_close(concern=concern, outcome=case.outcome, public_reply=case.reply, actor=clerk)
            closed = received_at + datetime.timedelta(days=case.closed_after_days, hours=rng.randint(0, 6))
            Concern.objects.filter(pk=concern.pk).update(closed_at=closed)
            created["concerns closed"] += 1
        else:
            created["concerns open"] += 1
    # The contacts of cases closed long enough ago go, as the nightly task does.
    end_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time(23, 0)))
    created["concern contacts deleted"] = delete_old_concern_contacts(now=min(timezone.now(), end_of_day))
    return created
