"""Template helpers of the public pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.urls import translate_url as django_translate_url

register = template.Library()


@register.simple_tag
def translate_url(path: str, language: str) -> str:
    """The same page (and query) in another language: /providers/?x=1 → /en/providers/?x=1."""
    parts = urlsplit(path)
    translated = django_translate_url(parts.path, language)
    return f"{translated}?{parts.query}" if parts.query else translated


@register.filter
def stars(grade: int) -> str:
    return "★" * int(grade or 0)
