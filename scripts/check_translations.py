#!/usr/bin/env python
"""Fail when a user-facing string has no Chinese translation or the compiled catalogue is stale.

1. Re-extracts messages from the code and templates (``makemessages``) into the
   zh_Hans catalogue, then restores the committed file: any string in the code that the
   catalogue lacks, leaves empty or marks fuzzy is reported.
2. Checks that the committed ``.mo`` says exactly what the ``.po`` says.
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
            flags: set[str] = entry.setdefault("flags", set())  # type: ignore[assignment]
            flags.update(f.strip() for f in line[2:].split(","))
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


def extract_fresh() -> list[str]:
    if shutil.which("xgettext") is None:
        print("xgettext not installed: skipping the re-extraction check", file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory() as tmp:
        backup = Path(tmp) / "django.po"
        shutil.copy2(PO, backup)
        try:
            subprocess.run(
                [
                    sys.executable,
                    "manage.py",
                    "makemessages",
                    "-l",
                    "zh_Hans",
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
            return problems_in(PO)
        finally:
            shutil.copy2(backup, PO)


def stale_mo() -> list[str]:
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    problems = []
    for entry in parse_po(PO):
        msgid = str(entry["msgid"])
        if "msgid_plural" in entry:
            continue
        context = entry.get("msgctxt")
        found = compiled.pgettext(str(context), msgid) if context is not None else compiled.gettext(msgid)
        if found != entry.get("msgstr"):
            problems.append(f"django.mo is stale for {msgid!r}: run `make messages`")
    return problems


def main() -> int:
    problems = problems_in(PO) + stale_mo() + extract_fresh()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} translation problem(s) in {PO.relative_to(ROOT)}", file=sys.stderr)
        return 1
    print(f"translations complete: {len(parse_po(PO))} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
