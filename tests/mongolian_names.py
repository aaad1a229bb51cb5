"""Helpers of the tests of names that are data in Mongolian (regimes, schemes; import as
``mongolian_names``: the tests folder is on ``sys.path``): the page's text, the reference
data loaded again, and the check that every row got its Mongolian name from the table once."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from django.core.management import call_command
from django.db.models import Model
from django.test import Client

# Traditional Mongolian letters, suffix joints (U+202F), spaces, brackets and ratios.
MONGOLIAN_NAME = re.compile(r"^[\u1800-\u18af\u202f ():0-9]+$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def html_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def text_of(html: str) -> str:
    """The text, its runs of ASCII white space as one space (a suffix joint, U+202F, stays)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def load() -> str:
    """What ``load_reference_data`` printed."""
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


def assert_names_loaded_once(model: type[Model], table: Mapping[str, Mapping[str, Any]], label: str) -> None:
    """After a load every row of ``model`` has the table's Mongolian name, in Mongolian
    script; a second load changes nothing and writes no history (``label``: its line)."""
    load()
    names = dict(model._default_manager.values_list("code", "name_mn"))
    assert set(names) == set(table)
    for code, name in names.items():
        assert name == table[code]["name_mn"] and MONGOLIAN_NAME.fullmatch(name), code
        assert not CJK.search(name), code

    history = model.history.count()  # type: ignore[attr-defined]  # simple-history's manager
    assert f"{label}: 0 created or changed" in load()
    assert model.history.count() == history  # type: ignore[attr-defined]  # simple-history's manager
