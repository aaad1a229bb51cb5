"""The short forms clerks type for a choice, kept as data: choice list → code → aliases.

A choice cell accepts the code, the English and the Chinese label (``cells.choice``) and,
from this table, what a district writes instead: ``低保`` for 低保对象, ``五保`` for
特困人员, ``部分失能`` for 半失能. The preview says what each alias was read as ("低保 →
低保对象（12 行）"), so a clerk sees it was read as meant. Each alias names one choice
only (``tests/registry/test_rosters_as_written.py`` checks that no alias is another
choice's label or alias); aliases are compared as labels are (NFKC, case and white space
ignored). Add a row here, with where the form is used, when a district's file shows one.
"""

from __future__ import annotations

from django.db.models import TextChoices

from ..models import CareLevel, CareMode, CertificateLevel, FeeItem, LegalForm, OperationMode, ResidentCategory

CHOICE_ALIASES: dict[type[TextChoices], dict[str, tuple[str, ...]]] = {
    # 照护等级: the capacity assessment's words (000:501, 000:666 "失能、半失能老年人";
    # 003:15 and 003:167 "部分失能"; 003:295 "重度失能"; 004:54 "失能、失智").
    CareLevel: {
        CareLevel.SELF_CARE: ("自理老人", "能自理", "生活自理", "完全自理"),
        CareLevel.PARTLY_DISABLED: ("部分失能", "半失能老人", "部分失能老人"),
        CareLevel.DISABLED: ("失能老人", "完全失能", "重度失能"),
        CareLevel.COGNITIVELY_IMPAIRED: ("失智老人", "认知障碍"),
    },
    # 人员类别 (003:167 "低保对象、特困人员、低保边缘家庭"; 000:669-671 "五保户", the
    # rural extreme-poverty support before 2016; 004:54 "分散供养的特困老人"; 004:44 "建档立卡").
    ResidentCategory: {
        ResidentCategory.EXTREME_POVERTY: (
            "特困",
            "五保",
            "五保户",
            "五保对象",
            "特困供养",
            "特困供养人员",
            "特困老人",
            "集中供养",
            "分散供养",
        ),
        ResidentCategory.DIBAO: ("低保", "低保户", "低保人员", "低保老人", "城乡低保", "城市低保", "农村低保"),
        ResidentCategory.MARGINAL_LOW_INCOME: ("低保边缘", "低保边缘户", "低边"),
        ResidentCategory.REGISTERED_POOR: ("建档立卡", "建档立卡户", "贫困户"),
        ResidentCategory.ADVANCED_AGE: ("高龄老人",),
        ResidentCategory.SPECIAL_FAMILY_PLANNING: ("计生特殊家庭", "计划生育特殊困难家庭", "失独家庭"),
    },
    # 证书等级: the vocational-skill levels of 养老护理员 as certificates name them.
    CertificateLevel: {
        CertificateLevel.NONE: ("无", "无证", "未取证"),
        CertificateLevel.JUNIOR: ("初级工", "五级"),
        CertificateLevel.INTERMEDIATE: ("中级工", "四级"),
        CertificateLevel.SENIOR: ("高级工", "三级"),
    },
    LegalForm: {
        LegalForm.NON_PROFIT: ("非营利", "非盈利", "非盈利性"),
        LegalForm.FOR_PROFIT: ("营利", "盈利", "盈利性"),
    },
    OperationMode: {
        OperationMode.PUBLIC: ("公办公营",),
        OperationMode.PRIVATE: ("民办民营", "社会办"),
    },
    # 托育类型: the draft infant-care opinion's words for three of the modes (000:124-126
    # "全日制、半日制或计时制"; 002:151 names them 全日托、半日托、计时托、临时托, the labels).
    CareMode: {
        CareMode.FULL_DAY: ("全日制",),
        CareMode.HALF_DAY: ("半日制",),
        CareMode.HOURLY: ("计时制",),
    },
    FeeItem.Kind: {
        FeeItem.Kind.MEAL: ("餐费", "膳食费"),
        FeeItem.Kind.CHILDCARE: ("托育费",),
        FeeItem.Kind.OTHER: ("其他", "其它"),
    },
    FeeItem.Unit: {
        FeeItem.Unit.MONTH: ("月", "按月", "元/月"),
        FeeItem.Unit.DAY: ("天", "日", "按天", "按日", "元/天", "元/日"),
        FeeItem.Unit.ONCE: ("次", "一次", "按次", "元/次"),
    },
}


def aliases_of(choices: type[TextChoices]) -> dict[str, str]:
    """Alias → code for one choice list (none for a list without aliases)."""
    return {alias: code for code, names in CHOICE_ALIASES.get(choices, {}).items() for alias in names}
