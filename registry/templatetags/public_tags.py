"""Template helpers of the public pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.urls import reverse
from django.urls import translate_url as django_translate_url
from django.utils import timezone, translation
from django.utils.functional import Promise

from registry import occupancy
from registry.disclosure import entry_type_label
from registry.labels import choice_labels
from registry.models import CareMode, CreditDisclosure, ProviderStatus
from registry.public import care_modes_offered
from registry.public_sections import nav_links

register = template.Library()


@register.simple_tag
def translate_url(path: str, language: str) -> str:
    """The same page (and query) in another language: /providers/?x=1 → /en/providers/?x=1.

    Any path a visitor types gets the 404 page, which links to itself too. A path that is
    not one of this site's ("//[" is an unclosed IPv6 host for urlsplit; "////evil.example"
    would give a link to another host) links to the home page in that language instead.
    """
    try:
        parts = urlsplit(path)
        translated = django_translate_url(parts.path, language)
    except ValueError:
        translated = ""
    if not translated.startswith("/") or translated.startswith("//"):
        with translation.override(language):
            return reverse("home")
    return f"{translated}?{parts.query}" if parts.query else translated


# The BCP 47 tag of a page's language where it says more than Django's code: our "mn"
# is Mongolian in the traditional script (docs/mongolian.md), not Cyrillic.
HTML_LANG = {"mn": "mn-Mong"}


@register.simple_tag
def html_lang(language: str) -> str:
    """``lang``/``hreflang`` of a language: "mn-Mong" for ours, else Django's code."""
    return HTML_LANG.get(language, language)


@register.simple_tag
def public_nav_links() -> list[tuple[str, str | Promise]]:
    """(URL, label) of the navigation links the installed apps registered."""
    return nav_links()


@register.filter
def stars(grade: int) -> str:
    return "★" * int(grade or 0)


@register.filter
def care_mode_labels(provider: Any) -> str:
    """The service modes an annotated childcare provider offers, as words ("全日托、半日托")."""
    return choice_labels(care_modes_offered(provider), CareMode)


@register.filter
def report_out_of_date(provider: Any) -> bool:
    """The provider's own count of its vacancies is older than REPORTED_VACANCIES_STALE_DAYS."""
    return occupancy.report_out_of_date(provider, timezone.localdate())


@register.inclusion_tag("public/_provider_link.html")
def provider_link(uscc: str, name: str, status: str) -> dict[str, Any]:
    """A provider's name linked to its public page (every filed provider has one), with its
    status when it is no longer listed, for the subsidy and inspection lists."""
    listed = status == ProviderStatus.CERTIFIED
    return {
        "uscc": uscc,
        "name": name,
        "has_page": status != ProviderStatus.DRAFT,
        "status": "" if listed else ProviderStatus(status).label,
    }


@register.filter
def yuan(amount: Decimal | None) -> str:
    """An amount of yuan with thousands separated and two decimals: 1250000.5 → 1,250,000.50."""
    if amount is None:
        return "-"
    return f"{Decimal(amount):,.2f}"


@register.filter
def credit_type_label(code: str) -> str:
    """A published credit entry's type as words (``registry.disclosure.public_credit_entries``)."""
    return str(entry_type_label(code))


@register.filter
def penalty_type_label(code: str) -> str:
    return str(CreditDisclosure.PenaltyType(code).label) if code in CreditDisclosure.PenaltyType.values else code
