"""Subsidy codes as a clerk reads them: rate keys, payer shares, line flags and a line's basis
(issue 21: no raw codes in front of users). The codes stay in the data and the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from registry.labels import (
    choice_label,
    choice_labels,
    division_name,
    field_label,
    list_separator,
    plain_number,
    yes_no,
)
from registry.models import (
    Caregiver,
    CareLevel,
    CertificateLevel,
    Resident,
    ResidentCategory,
)

from .models import OccupancyRule, PayerLevel
from .rate_keys import rate_key_label


def payer_shares_label(shares: Iterable[Any] | None) -> str:
    """``[["region", 5], ["league_city", 3], ["county", 2]]`` → 自治区 5、盟市 3、旗县区 2."""
    pairs = [(choice_label(level, PayerLevel), weight) for level, weight in (shares or [])]
    return list_separator().join(f"{level} {weight}" for level, weight in pairs) or "-"


def ratios_label(ratios: Iterable[Any] | None) -> str:
    """Instalment ratios ``[3, 3, 4]`` → 3:3:4."""
    return ":".join(str(ratio) for ratio in ratios or []) or "-"


def eligibility_label(alternatives: Iterable[dict[str, list[str]]] | None) -> str:
    """The eligibility alternatives (``[{"legal_form": ["non_profit"]}, …]``) as labels:
    each alternative's allowed values, alternatives joined by "or"."""
    from registry.models import LegalForm, OperationMode, Provider

    choices = {"legal_form": LegalForm, "operation_mode": OperationMode}
    parts = []
    for alternative in alternatives or []:
        terms = []
        for attribute, allowed in alternative.items():
            values = choice_labels(allowed, choices[attribute]) if attribute in choices else ", ".join(allowed)
            terms.append(f"{field_label(Provider, attribute)}: {values}")
        parts.append("; ".join(terms))
    return str(_(" or ")).join(parts) or "-"


# A line's basis (the JSON it was computed from), key by key.
BASIS_KEYS = {
    "rule": _("counting rule"),
    "min_days": _("minimum days present"),
    "census_day": _("census day"),
    "eligible_days": _("eligible days"),
    "residents_counted": _("residents counted"),
    "residents_excluded_as_duplicates": _("excluded as in two providers"),
    "cap_beds": _("bed cap"),
    "capped": _("capped"),
    "grade": _("grade"),
    "rate_key": _("rate key"),
    "rate_id": _("rate"),
    "weighted_count": _("weighted residents"),
    "weights": _("care-level weights"),
    "adjusts_quantity": _("approved count adjusted"),
    "caregiver": _("caregiver"),
    "certificate_level": _("certificate level"),
    "nursing_since": _("nursing since"),
    "living": _("allowance"),
    "standard": _("cost standard"),
    "resident": _("resident"),
    "category": _("category"),
    "home_county": _("home county"),
    "days_in_care": _("days in care"),
    "days_in_month": _("days in the month"),
    "policy": _("policy"),
    "premium": _("premium"),
    "insurer": _("insurer"),
    "cover": _("cover"),
    "cost_shares": _("cost shares"),
    "shares": _("shares"),
    "government_payers": _("government share paid by"),
    "caregivers_covered": _("caregivers covered"),
    "standard_id": _("cost standard rate"),
    "min_nursing_years": _("minimum years of nursing work"),
}

LIVING_KINDS = {"allowance": _("living allowance"), "make_up": _("make-up to the cost standard")}


def _basis_value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return yes_no(value)
    if key == "rule":
        return choice_label(value, OccupancyRule)
    if key == "rate_key":
        return rate_key_label(str(value))
    if key == "home_county":
        return division_name(str(value))
    if key == "category":
        return choice_label(value, ResidentCategory)
    if key == "certificate_level":
        return choice_label(value, CertificateLevel)
    if key == "living":
        return choice_label(value, LIVING_KINDS)
    if key in ("weighted_count", "adjusts_quantity", "residents_counted"):
        return plain_number(value)
    if key == "weights" and isinstance(value, dict):
        return list_separator().join(f"{choice_label(level, CareLevel)} {weight}" for level, weight in value.items())
    if key in ("cost_shares", "shares", "government_payers") and isinstance(value, list):
        return payer_shares_label(value)
    if key == "cover" and isinstance(value, list) and len(value) == 2:
        return f"{value[0]} – {value[1]}"
    if key == "eligible_days" and isinstance(value, list):
        return list_separator().join(f"{start} – {end}" for start, end in value)
    if isinstance(value, (list, tuple)):
        return list_separator().join(str(item) for item in value)
    if isinstance(value, dict):
        return list_separator().join(f"{k} {v}" for k, v in value.items())
    return str(value)


def basis_html(basis: dict[str, Any] | None) -> SafeString | str:
    """A line's basis as "label: value" rows (the code of a key without a label is kept)."""
    if not basis:
        return "-"
    rows = ((BASIS_KEYS.get(key, key), _basis_value(key, value)) for key, value in basis.items())
    return format_html("<dl class='line-basis'>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))


# What a flag on a line means when it carries no sentence of its own.
FLAG_LABELS = {
    "duplicate_resident": _("Resident also in another provider"),
    "not_filed": _("Not filed or certified"),
}


def flags_label(flags: Iterable[dict[str, Any]] | None) -> str:
    """A line's flags: each flag's own sentence (``reason``) or its label, with the resident."""
    texts = []
    for flag in flags or []:
        text = str(flag.get("reason") or choice_label(flag.get("code"), FLAG_LABELS))
        if flag.get("resident"):
            text = f"{text} {flag['resident']}"
        texts.append(text)
    return "; ".join(texts) or "-"


def holds_label(holds: Iterable[dict[str, Any]] | None) -> str:
    """A line's holds by their reasons."""
    return "; ".join(str(hold.get("reason") or hold.get("code")) for hold in holds or []) or "-"


def subject_label(subject: str, basis: dict[str, Any] | None) -> str:
    """Whom a line pays for, by name: ``resident:919:make_up`` → 入住老人 王某（补差）,
    ``caregiver:12`` → 护理员 李某, ``policy:3:county`` → 保单 P-001 旗县区; "-" for the provider
    itself. The names are the ones the line's basis recorded when it was computed."""
    if not subject:
        return "-"
    basis = basis or {}
    kind, _sep, rest = subject.partition(":")
    extra = rest.split(":")[1:]
    if kind == "resident":
        text = f"{Resident._meta.verbose_name} {basis.get('resident') or '-'}"
        if "make_up" in extra:
            text += f" ({LIVING_KINDS['make_up']})"
        return text
    if kind == "caregiver":
        return f"{Caregiver._meta.verbose_name} {basis.get('caregiver') or '-'}"
    if kind in ("policy", "accident"):
        level = choice_label(extra[0], PayerLevel) if extra else ""
        return f"{_('policy')} {basis.get('policy') or '-'} {level}".strip()
    return subject
