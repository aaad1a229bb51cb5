"""scripts/check_translations.py (run by ``make test``): a message of a public page without a
Mongolian translation fails the check; a back-office message need not have one."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "check_translations.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_translations", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_translations", module)
    spec.loader.exec_module(module)
    return module


def catalogue(tmp_path: Path, entries: str) -> Path:
    path = tmp_path / "django.po"
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    path.write_text(header + entries, encoding="utf-8")
    return path


def test_a_public_message_without_mongolian_fails(check: ModuleType, tmp_path: Path) -> None:
    po = catalogue(
        tmp_path,
        "#: templates/public/home.html:5 registry/admin.py:10\n"
        'msgid "Find a care provider"\nmsgstr ""\n\n'
        "#: registry/filters.py:104\n"
        'msgid "Keyword"\nmsgstr "ᠭᠣᠣᠯ ᠦᠭᠡ"\n\n'
        "#: registry/admin.py:12\n"  # the back office: not translated into Mongolian
        'msgid "Move it anyway"\nmsgstr ""\n',
    )

    problems = check.missing_public_translations(po)

    assert problems == [
        "public message without a Mongolian translation: 'Find a care provider' (templates/public/home.html:5)"
    ]


def test_a_fuzzy_or_half_translated_public_message_fails(check: ModuleType, tmp_path: Path) -> None:
    po = catalogue(
        tmp_path,
        "#: templates/public/provider_list.html:7\n"
        "#, fuzzy\n"
        'msgid "Certified providers"\nmsgstr "ᠭᠡᠷᠡᠴᠢᠯᠡᠭᠳᠡᠭᠰᠡᠨ"\n\n'
        "#: templates/public/provider_list.html:8\n"
        'msgid "%(counter)s provider found."\nmsgid_plural "%(counter)s providers found."\n'
        'msgstr[0] "ᠣᠯᠳᠠᠪᠠ"\nmsgstr[1] ""\n',
    )

    assert [p.split(":")[0] for p in check.missing_public_translations(po)] == [
        "public message fuzzy in mn",
        "public message without a Mongolian translation",
    ]


def test_in_a_shared_module_only_the_named_classes_are_public(check: ModuleType, tmp_path: Path) -> None:
    """registry/models/providers.py is shared with the back office: its ProviderKind labels
    are public, the provider's permissions are not."""
    source = (Path(settings.BASE_DIR) / "registry/models/providers.py").read_text(encoding="utf-8").splitlines()
    kind_line = next(n for n, line in enumerate(source, 1) if '"Elderly-care institution"' in line)
    permission_line = next(n for n, line in enumerate(source, 1) if '"Can file a provider"' in line)
    po = catalogue(
        tmp_path,
        f"#: registry/models/providers.py:{kind_line}\n"
        'msgid "Elderly-care institution"\nmsgstr ""\n\n'
        f"#: registry/models/providers.py:{permission_line}\n"
        'msgid "Can file a provider"\nmsgstr ""\n',
    )

    problems = check.missing_public_translations(po)

    assert len(problems) == 1 and "'Elderly-care institution'" in problems[0]


def test_every_public_source_exists_and_names_what_it_defines(check: ModuleType) -> None:
    places = check.public_places()
    for source in check.PUBLIC_SOURCES:
        assert (Path(settings.BASE_DIR) / source).exists(), source
    assert places["registry/models/providers.py"]  # line ranges of the named classes
    with pytest.raises(LookupError):
        check.public_places({"registry/labels.py": ("no_such_function",)})


def test_the_compiled_mongolian_catalogue_says_what_the_po_says(check: ModuleType) -> None:
    assert check.stale_mo(check.MN_PO) == []
