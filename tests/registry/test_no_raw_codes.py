"""Issue 21, "done means": no raw code in front of a clerk.

The demo is loaded once for the module; then, as each demo role, every admin list the role may open and
the page of the first record on it are read as a person sees them (tags stripped; scripts,
styles, text areas and the help of a field typed as a code skipped). None may show a
snake_case code (``advanced_age``), a JSON list (``["``), a bare ``None`` or a count with four
trailing zeros (``19.0000``). Login names (``clerk_baotou``) are names, not codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from registry.models import User

# The demo (``public_demo``: seeded once per test process, copied back in for each module
# that needs it, rolled back after the module).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo")]

# One user of each demo role (README "Demo logins"): a city and a district clerk, the
# reviewer, finance, an inspector and the three administrators.
ROLES = [
    "clerk_baotou",
    "clerk_kundulun",
    "reviewer_baotou",
    "finance_baotou",
    "inspector_qingshan",
    "sysadmin",
    "secadmin",
    "auditor",
]

RAW_CODES = {
    "snake_case code": re.compile(r"\b[a-z]+(?:_[a-z]+)+\b"),
    "JSON list": re.compile(r'\["'),
    "None": re.compile(r"\bNone\b"),
    "four trailing zeros": re.compile(r"\d\.0000(?!\d)"),  # also before a Chinese character
}


class VisibleText(HTMLParser):
    """The text a person reads on the page. Skipped: scripts, styles, text areas (a field
    typed as a code, e.g. a regime's checklist) and the help under such a field, which
    shows the format to type."""

    SKIPPED = {"script", "style", "textarea"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0
        self.divs: list[set[str]] = []  # the classes of each open <div>
        self.row_has_code_input = False
        self.help_depth: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
            if tag == "textarea":
                self.row_has_code_input = True
        if tag == "div":
            classes = set((dict(attrs).get("class") or "").split())
            if "form-row" in classes:
                self.row_has_code_input = False
            self.divs.append(classes)
            if "help" in classes and self.row_has_code_input and self.help_depth is None:
                self.help_depth = len(self.divs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        if tag == "div" and self.divs:
            if self.help_depth == len(self.divs):
                self.help_depth = None
            self.divs.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping and self.help_depth is None:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_codes(text: str, names: set[str]) -> list[str]:
    found = []
    for what, pattern in RAW_CODES.items():
        for match in pattern.finditer(text):
            if match.group(0) in names:
                continue
            found.append(f"{what} {match.group(0)!r} in …{text[max(0, match.start() - 40) : match.end() + 40]!r}…")
    return found


def pages_of(client: Client) -> Iterator[tuple[str, str]]:
    """(address, body) of every admin list the client may open and of its first record's page."""
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        try:
            url = reverse("admin:{}_{}_changelist".format(*info))
        except NoReverseMatch:
            continue
        response = client.get(url)
        if response.status_code != 200:  # a list this role may not open
            continue
        body = response.content.decode()
        yield url, body
        first = re.search(rf'href="({re.escape(url)}[^"/?]+/change/)', body)
        if first:
            page = client.get(first.group(1))
            assert page.status_code == 200, first.group(1)
            yield first.group(1), page.content.decode()


@pytest.mark.parametrize("username", ROLES)
def test_no_admin_page_shows_a_raw_code(username: str) -> None:
    names = set(User.objects.values_list("username", flat=True))
    client = Client()
    client.force_login(User.objects.get(username=username))

    problems = []
    seen = 0
    for url, body in pages_of(client):
        seen += 1
        problems += [f"{url}: {problem}" for problem in raw_codes(visible_text(body), names)]

    assert seen > 2, f"{username} opened no admin page"
    assert not problems, "\n".join(problems)


def test_the_reader_finds_each_kind_of_raw_code() -> None:
    """The patterns catch what issue 21 saw, and pass what a clerk should read."""
    page = (
        '<div class="form-row"><div class="readonly">["advanced_age"]</div></div>'
        "<p>折算老人19.0000人</p><p>None</p><p>clerk_baotou 高龄 19.5</p>"
        '<div class="form-row"><textarea>["typed_code"]</textarea><div class="help">e.g. ["happiness_home"]</div></div>'
        "<script>var x = ['in_script'];</script>"
    )

    found = raw_codes(visible_text(page), {"clerk_baotou"})

    assert [problem.split(" in ")[0] for problem in found] == [
        "snake_case code 'advanced_age'",
        "JSON list '[\"'",
        "None 'None'",
        "four trailing zeros '9.0000'",
    ]
