"""The class standards of infant care (DOMAIN §7): the largest class and the fewest carers
of each class type, from the national standard, effective-dated so that a bureau can add
its own. Idempotent: a row is matched by (class type, effective from) and created once; a
bureau's later edits of it are kept.

国家卫生健康委《托育机构设置标准（试行）》（国卫人口发〔2019〕58号, in force 8 October
2019): 乳儿班 6-12 months, at most 10 children, carers to children at least 1:3; 托小班
12-24 months, at most 15, 1:5; 托大班 24-36 months, at most 20, 1:7; children over 18
months may be taught in mixed classes of at most 18.

The standard gives no ratio for a mixed class. Ours is 1:5, the ratio of the youngest
children a mixed class may hold (18-24 months, 托小班): a mixed class is staffed for its
youngest children (docs/childcare.md, "Classes, staff and ratios").
"""

from __future__ import annotations

import datetime

from .models import ClassStandard, ClassType

EFFECTIVE_FROM = datetime.date(2019, 10, 8)
SOURCE = "国家卫生健康委《托育机构设置标准（试行）》国卫人口发〔2019〕58号"
MIXED_SOURCE = SOURCE + "；混龄班师幼比未作规定，按托小班1:5（本系统的决定）"

# class type, youngest and oldest age in months, most children, children per carer, source
STANDARDS: list[tuple[str, int, int, int, int, str]] = [
    (ClassType.INFANT, 6, 12, 10, 3, SOURCE),
    (ClassType.TODDLER_SMALL, 12, 24, 15, 5, SOURCE),
    (ClassType.TODDLER_LARGE, 24, 36, 20, 7, SOURCE),
    (ClassType.MIXED, 18, 36, 18, 5, MIXED_SOURCE),
]


def load() -> dict[str, int]:
    created = 0
    for class_type, youngest, oldest, most, per_carer, source in STANDARDS:
        _standard, was_created = ClassStandard.objects.get_or_create(
            class_type=class_type,
            effective_from=EFFECTIVE_FROM,
            defaults={
                "min_age_months": youngest,
                "max_age_months": oldest,
                "max_children": most,
                "children_per_carer": per_carer,
                "source": source,
            },
        )
        created += was_created
    return {"class standards": created}
