"""The public inspections page and each draw's page name inspectors by department and name
or staff number, never by their login name; the vacancy badge is readable (WCAG AA, ≥ 4.5:1) — issue 21."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from public_support import publish_draw

from inspections.inspector_codes import inspector_code
from inspections.public_names import public_inspector_name
from registry.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]


def test_the_inspections_page_shows_department_and_staff_number_not_the_login_name(client: Client) -> None:
    draw = publish_draw(sample_count=8)
    qingshan = User.objects.get(username="inspector_qingshan")
    kundulun = User.objects.get(username="inspector_kundulun")
    codes = {code for row in draw.results for code in row["team"]}
    # Which of the two the hashes send depends on the ids; every team is one of them.
    drawn = [user for user in (qingshan, kundulun) if inspector_code(user) in codes]
    assert drawn and codes == {inspector_code(user) for user in drawn}

    for path, named in (
        ("/inspections/", drawn),
        ("/en/inspections/", drawn),
        (f"/inspections/draws/{draw.pk}/", [qingshan, kundulun]),  # the pool, drawn or not
        (f"/en/inspections/draws/{draw.pk}/", [qingshan, kundulun]),
    ):
        html = client.get(path).content.decode()
        assert "inspector_qingshan" not in html and "inspector_kundulun" not in html
        english = path.startswith("/en/")
        for user in named:  # the district in the page's language (registry/glossary.py)
            area = user.jurisdiction.name_en if english else user.jurisdiction.name
            assert f"{area} · " in html, path
            if english:
                assert f"{area} · inspector no. {user.pk:04d}" in html, path
            assert inspector_code(user) in html, path  # the code the published file uses


def test_an_inspector_with_a_recorded_name_is_shown_by_it() -> None:
    user = User.objects.get(username="inspector_qingshan")
    user.first_name, user.last_name = "晓东", "李"

    assert public_inspector_name(user) == f"{user.jurisdiction.name} · 李晓东"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_badge_has_at_least_aa_contrast() -> None:
    css = (Path(settings.BASE_DIR) / "static/css/public.css").read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    ink = variables["ink"]
    badges = re.findall(r"\.badge(\.\w+)?\s*\{([^}]*)\}", css)
    assert len(badges) >= 3
    for variant, rules in badges:
        background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", rules)
        colour = re.search(r"(?<![-\w])color:\s*(?:var\(--([\w-]+)\)|(#[0-9a-fA-F]{6}))", rules)
        foreground = ink if colour is None else (variables[colour.group(1)] if colour.group(1) else colour.group(2))
        assert background is not None, variant
        assert contrast(foreground, background.group(1)) >= 4.5, (variant, foreground, background.group(1))
    assert contrast("#1b7f3b", "#e3f4e8") < 4.5  # the green it replaced: 4.43
