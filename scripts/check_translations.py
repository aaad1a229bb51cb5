#!/usr/bin/env python
"""Fail when a user-facing string has no Chinese translation, a public one no Mongolian
translation, or a compiled catalogue is stale.

1. Re-extracts messages from the code and templates (``makemessages``) into the
   zh_Hans and mn catalogues, then restores the committed files: any string in the code
   that the Chinese catalogue lacks, leaves empty or marks fuzzy is reported, and so is
   any string with an occurrence in a public source (``PUBLIC_SOURCES``) that the
   Mongolian catalogue lacks, leaves empty or marks fuzzy.
2. Checks that each committed ``.mo`` says exactly what its ``.po`` says.

The Mongolian pages (/mn/) are the public directory only (docs/mongolian.md): the back
office and the portal are not translated into Mongolian, so the mn catalogue holds every
message but only the public ones must be translated.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
MN_PO = ROOT / "locale" / "mn" / "LC_MESSAGES" / "django.po"

# Where the strings of the public pages and files come from, decided here rather than
# guessed from paths: a template or module that only the public pages use is listed
# whole; a module shared with the back office lists the names (classes, functions,
# nested classes as "Outer.Inner") whose strings reach a public page. A new public page
# or a new public choice adds its source here. The readable CSV's column names are the
# Provider model's field names: tests/registry/test_mongolian_pages.py checks those.
PUBLIC_SOURCES: dict[str, tuple[str, ...]] = {
    # The directory's pages, the error pages and the care apps' public pages and blocks.
    "templates/public/": (),  # every template in the folder
    "templates/400.html": (),
    "templates/403.html": (),
    "templates/404.html": (),
    "templates/error_links.html": (),
    "inspections/templates/inspections/public.html": (),
    "inspections/templates/inspections/provider_section.html": (),
    "inspections/templates/inspections/provider_inspection_table.html": (),
    "inspections/templates/inspections/inspection.html": (),
    "inspections/templates/inspections/draw.html": (),
    "inspections/templates/inspections/_draw_results.html": (),
    "concerns/templates/concerns/": (),  # the form, the lookup, the statistics, the page's block
    "subsidies/templates/subsidies/public.html": (),
    "subsidies/templates/subsidies/provider_section.html": (),
    "childcare/templates/childcare/provider_section.html": (),
    # Modules of the public pages only.
    "registry/filters.py": (),
    "registry/open_data_table.py": (),
    "registry/django_messages.py": (),
    "registry/templatetags/public_tags.py": (),
    "inspections/views.py": (),
    "subsidies/views.py": (),
    "childcare/public.py": (),
    "inspections/public_record.py": (),
    "inspections/public_names.py": (),
    "inspections/draw_publication.py": (),
    "concerns/forms.py": (),
    "concerns/views.py": (),
    "concerns/public.py": (),
    "concerns/statistics.py": (),
    "registry/public_detail.py": (),
    "registry/hsds.py": (),  # the HSDS tables' words (a grade, a fee)
    # Shared modules: what of them a public page shows.
    "registry/views.py": ("no_results_advice",),
    "registry/labels.py": ("yes_no",),
    "registry/occupancy.py": ("VacancyBasis",),
    "registry/models/providers.py": (
        "ProviderKind",
        "LegalForm",
        "OperationMode",
        "FilingAuthority",
        "ProviderStatus",
        "FeeItem.Kind",
        "FeeItem.Unit",
        "StatusReason",
        "CreditRecord.Kind",
    ),
    "registry/models/credit.py": ("CreditDisclosure.Kind", "CreditDisclosure.PenaltyType", "CreditObjection.Status"),
    "registry/disclosure.py": ("entry_type_label",),
    "concerns/models.py": ("Category", "Status", "Outcome"),
    "concerns/apps.py": ("ConcernsConfig.ready",),
    "registry/models/childcare.py": ("AgeBand", "CareMode", "DemonstrationLevel", "ChildcareSetting"),
    "registry/models/staff.py": ("StaffDepartment",),
    "inspections/models.py": (
        "Department",
        "Inspection.Outcome",
        "Finding.Category",
        "Finding.Severity",
        "Finding.Status",
    ),
    "inspections/apps.py": ("InspectionsConfig.ready",),  # the navigation link
    "subsidies/apps.py": ("SubsidiesConfig.ready",),
}


def parse_po(path: Path) -> list[dict[str, object]]:
    """A small .po reader: entries with msgid, msgid_plural, msgstr(s), flags."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key = None

    def finish() -> None:
        if "msgid" in entry:
            entries.append(dict(entry))
        entry.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            key = None
        elif line.startswith("#,"):
            flags: set[str] = entry.setdefault("flags", set())  # type: ignore[assignment]  # entry holds str and set values
            flags.update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#:"):
            places: list[str] = entry.setdefault("occurrences", [])  # type: ignore[assignment]  # entry holds str and list values
            places.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] = str(entry[key]) + ast.literal_eval(line)  # type: ignore[index]
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    finish()
    return [e for e in entries if e["msgid"] != ""]


def problems_in(path: Path) -> list[str]:
    problems = []
    for entry in parse_po(path):
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        if "fuzzy" in entry.get("flags", set()):  # type: ignore[operator]
            problems.append(f"fuzzy: {entry['msgid']!r}")
        elif not translations or any(not t for t in translations):
            problems.append(f"untranslated: {entry['msgid']!r}")
    return problems


def _symbol_lines(path: Path, names: tuple[str, ...]) -> list[range]:
    """The lines of each named class or function ("Outer.Inner" for a nested one) of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, range] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{node.name}"
                found[name] = range(node.lineno, (node.end_lineno or node.lineno) + 1)
                visit(node.body, f"{name}.")

    visit(tree.body, "")
    missing = [name for name in names if name not in found]
    if missing:
        raise LookupError(f"PUBLIC_SOURCES names what {path.relative_to(ROOT)} does not define: {missing}")
    return [found[name] for name in names]


def public_places(sources: dict[str, tuple[str, ...]] | None = None) -> dict[str, list[range] | None]:
    """Each public source path → the public line ranges in it (None: the whole file)."""
    places: dict[str, list[range] | None] = {}
    for source, names in (PUBLIC_SOURCES if sources is None else sources).items():
        places[source] = _symbol_lines(ROOT / source, names) if names else None
    return places


def is_public(occurrence: str, places: dict[str, list[range] | None]) -> bool:
    """Whether a catalogue occurrence ("registry/filters.py:104") is in a public source."""
    path, _, line = occurrence.rpartition(":")
    if not path:
        path, line = occurrence, "0"
    for source, ranges in places.items():
        matches = path.startswith(source) if source.endswith("/") else path == source
        if not matches:
            continue
        if ranges is None or any(int(line) in lines for lines in ranges):
            return True
    return False


def missing_public_translations(path: Path, places: dict[str, list[range] | None] | None = None) -> list[str]:
    """The messages of a public source that the catalogue at ``path`` does not translate."""
    places = public_places() if places is None else places
    problems = []
    for entry in parse_po(path):
        occurrences: list[str] = entry.get("occurrences", [])  # type: ignore[assignment]  # parse_po's entries hold str, set and list values
        if not any(is_public(occurrence, places) for occurrence in occurrences):
            continue
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        label = f"{entry['msgctxt']}|{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "fuzzy" in entry.get("flags", set()):  # type: ignore[operator]  # flags is a set when present
            problems.append(f"public message fuzzy in mn: {label!r} ({occurrences[0]})")
        elif not translations or any(not t for t in translations):
            problems.append(f"public message without a Mongolian translation: {label!r} ({occurrences[0]})")
    return problems


def extract_fresh() -> list[str]:
    if shutil.which("xgettext") is None:
        print("xgettext not installed: skipping the re-extraction check", file=sys.stderr)
        # The committed catalogue's places, which may be out of date: the best we can do.
        return missing_public_translations(MN_PO)
    with tempfile.TemporaryDirectory() as tmp:
        backup, mn_backup = Path(tmp) / "django.po", Path(tmp) / "mn.po"
        shutil.copy2(PO, backup)
        shutil.copy2(MN_PO, mn_backup)
        try:
            subprocess.run(
                [
                    sys.executable,
                    "manage.py",
                    "makemessages",
                    "-l",
                    "zh_Hans",
                    "-l",
                    "mn",
                    "--no-obsolete",
                    "--ignore=.venv",
                    "--ignore=var",
                    "--ignore=tests",
                    "--ignore=staticfiles",
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
                env={**os.environ},
            )
            return problems_in(PO) + missing_public_translations(MN_PO)
        finally:
            shutil.copy2(backup, PO)
            shutil.copy2(mn_backup, MN_PO)


def stale_mo(po: Path = PO) -> list[str]:
    with po.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    problems = []
    for entry in parse_po(po):
        msgid = str(entry["msgid"])
        if "msgid_plural" in entry or not entry.get("msgstr") or "fuzzy" in entry.get("flags", set()):  # type: ignore[operator]  # flags is a set when present
            continue  # plural forms aside; msgfmt leaves out what is untranslated or fuzzy
        context = entry.get("msgctxt")
        found = compiled.pgettext(str(context), msgid) if context is not None else compiled.gettext(msgid)
        if found != entry.get("msgstr"):
            problems.append(f"{po.parent.parent.name}/django.mo is stale for {msgid!r}: run `make messages`")
    return problems


def main() -> int:
    problems = problems_in(PO) + stale_mo(PO) + stale_mo(MN_PO) + extract_fresh()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} translation problem(s) in locale/", file=sys.stderr)
        return 1
    print(f"translations complete: {len(parse_po(PO))} messages, the public ones also in Mongolian")
    return 0


if __name__ == "__main__":
    sys.exit(main())
