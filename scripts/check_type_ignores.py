#!/usr/bin/env python
"""Fail when application code silences mypy without saying why, or too often (issue 15).

Every ``# type: ignore[code]`` in the apps must name its error code and give its reason
after it (``# type: ignore[union-attr]  # the query has isnull=False``), and there must be
fewer than ``LIMIT`` of them: CONTRIBUTING.md ("Keep the types honest") shows how to type
what they used to hide. mypy's ``warn_unused_ignores`` removes the ones no longer needed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["config", "safeguards", "registry", "subsidies", "inspections", "indicators", "demo"]
LIMIT = 20
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
REASON = re.compile(r"^\s*#\s*\S")


def ignores() -> list[tuple[str, int, str]]:
    """(file, line, text) of every type: ignore in the apps' code, migrations left out."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if IGNORE.search(line):
                    found.append((str(path.relative_to(ROOT)), number, line.strip()))
    return found


def problems(found: list[tuple[str, int, str]]) -> list[str]:
    result = []
    for path, number, text in found:
        match = IGNORE.search(text)
        if match is None:
            continue
        if not match["codes"]:
            result.append(f"{path}:{number}: name the error code: {text}")
        elif not REASON.match(match["rest"]):
            result.append(f"{path}:{number}: say why after the ignore: {text}")
    if len(found) >= LIMIT:
        result.append(f"{len(found)} type: ignore in application code; keep them under {LIMIT}")
    return result


def main() -> int:
    report = problems(ignores())
    for line in report:
        print(line, file=sys.stderr)
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main())
