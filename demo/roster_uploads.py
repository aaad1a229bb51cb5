"""Roster uploads that were never imported, before and after the retention period (issue 20).

``clerk_kundulun`` uploaded two residents rosters of a Kundulun home and imported neither:
one was checked and left waiting for confirmation ``UPLOAD_RETENTION_DAYS`` + 5 days ago,
so the next nightly purge deletes its file (the roster imports list, as ``auditor``, says
"deleted at the next purge"); the other, rejected for a wrong date ten days ago, is kept
until its period ends. Both go through the upload services a clerk's upload does; only
their upload dates are set back. Idempotent: a file name already uploaded is not again.
"""

from __future__ import annotations

import csv
import datetime
import io

from django.conf import settings
from django.utils import timezone

from registry.models import Provider, Resident, RosterImport, User
from registry.rosters import uploads
from registry.rosters.kinds import KINDS, export_rows

USERNAME = "clerk_kundulun"
ABANDONED = "入住老人名册（待确认，未导入）.csv"
REJECTED = "入住老人名册（日期有误）.csv"
ROWS = 5


def _roster(residents: list[Resident], *, spoil_a_date: bool) -> bytes:
    kind = KINDS["residents"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.header for column in kind.columns])
    for row in export_rows(kind, residents, may_see_personal=True):
        writer.writerow(row)
    text = out.getvalue()
    if spoil_a_date:
        admitted = [c.field for c in kind.columns].index("admitted_on")
        rows = text.splitlines()
        cells = next(csv.reader([rows[1]]))
        cells[admitted] = "2024-13-45"
        fixed = io.StringIO()
        csv.writer(fixed).writerow(cells)
        rows[1] = fixed.getvalue().rstrip("\r\n")
        text = "\n".join(rows) + "\n"
    return text.encode("utf-8")


def _upload(user: User, filename: str, data: bytes, rows: int, days_ago: int) -> None:
    record = uploads.upload_create(kind="residents", filename=filename, data=data, user=user, rows=rows)
    uploads.upload_validate(record)
    RosterImport.objects.filter(pk=record.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))


def seed(today: datetime.date) -> dict[str, int]:
    user = User.objects.filter(username=USERNAME).first()
    if user is None or RosterImport.objects.filter(filename__in=[ABANDONED, REJECTED]).exists():
        return {"roster uploads not imported": 0}
    home = (
        Provider.objects.filter(division=user.jurisdiction, residents__isnull=False).distinct().order_by("pk").first()
    )
    if home is None:
        return {"roster uploads not imported": 0}
    residents = list(Resident.objects.filter(provider=home).select_related("provider").order_by("pk")[:ROWS])
    _upload(user, ABANDONED, _roster(residents, spoil_a_date=False), len(residents), settings.UPLOAD_RETENTION_DAYS + 5)
    _upload(user, REJECTED, _roster(residents, spoil_a_date=True), len(residents), 10)
    return {"roster uploads not imported": 2}
