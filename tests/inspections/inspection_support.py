"""Constants shared by the inspections tests (import as ``inspection_support``)."""

from __future__ import annotations

CITY_JOINT = "BT-CITY-JOINT"  # half-yearly, city inspectors
DISTRICT_SAFETY = "BT-DISTRICT-SAFETY"  # quarterly, district inspectors
INTERNAL_MONTHLY = "BT-INTERNAL-MONTHLY"  # monthly, the provider itself
BAOTOU_REGIMES = {CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY}

QINGSHAN = "150204"  # 青山区, a third county of Baotou
SHIGUAI = "150205"  # 石拐区, a fourth
