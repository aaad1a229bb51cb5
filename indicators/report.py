"""The upward report: the dashboard's numbers as an .xlsx statistical return (title row,
unit, reporting date, division rows under each indicator with the target column, source
line), recorded and audited like every download (``registry.exports.export_record``)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from registry.exports import ExportTable, export_record
from registry.models import User
from registry.spreadsheets import formula_safe

from .dashboard import Cell, Dashboard
from .reference_data import CENSUS_SOURCE

HEADER = 4  # the header row; rows 1-3 are the title, the reporting unit and date, the unit


def _value(cell: Cell | None) -> object:
    return "" if cell is None or cell.value is None else cell.value


def _note(cell: Cell | None) -> str:
    if cell is None:
        return _("no data: not computed yet")
    return cell.message or cell.status_label


def report_rows(board: Dashboard) -> list[list[object]]:
    """One row per indicator (and kind), division: the division shown first, then its children."""
    rows: list[list[object]] = []
    for panel in board.panels:
        for code, label in panel.dimensions:
            name = f"{panel.indicator.name}（{label}）" if label else panel.indicator.name
            cells = [(board.division, panel.now.get(code))]
            cells += [(child, by_dimension.get(code)) for child, by_dimension in panel.children]
            for division, cell in cells:
                rows.append(
                    [
                        name,
                        panel.unit,
                        division.code,
                        division.name,
                        _value(cell),
                        panel.target,
                        panel.nature,
                        _note(cell),
                    ]
                )
    return rows


def report_workbook(board: Dashboard) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Indicators")[:31]
    header = [
        _("Indicator"),
        pgettext("measure", "Unit"),
        _("Division code"),
        _("Division"),
        _("Value"),
        _("Target"),
        _("Nature"),
        _("Status"),
    ]
    title = _("Plan indicators of elderly care and childcare: %(division)s") % {"division": board.division.name}
    month = board.month.strftime("%Y-%m") if board.month else "-"
    sheet.append([title])
    unit = _("Reporting unit: %(division)s") % {"division": board.division.name}
    sheet.append([unit, "", "", "", _("Reporting period: %(month)s") % {"month": month}])
    sheet.append([_("Unit: as stated in each row (percent or per 1,000 people)")])
    sheet.append(header)
    for row in report_rows(board):
        sheet.append([formula_safe(v) for v in row])
    targets = "; ".join(f"{p.indicator.name}: {p.indicator.source}" for p in board.panels)
    sheet.append([])
    source = _(
        "Source: providers in operation on the month's last day in the register; population: %(census)s "
        "and the figures entered by the bureau. Targets: %(targets)s"
    ) % {"census": CENSUS_SOURCE, "targets": targets}
    sheet.append([source])
    last_column = get_column_letter(len(header))
    sheet.merge_cells(f"A1:{last_column}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for cell in sheet[HEADER]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (40, 14, 14, 22, 10, 16, 10, 50), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def record_report(*, user: User, board: Dashboard, rows: int) -> ExportTable:
    """Record and audit the report's download before it leaves (no personal data in it)."""
    table = ExportTable(
        what="indicators-report",
        header=[],
        rows=lambda _personal: (),
        count=rows,
        filename=f"indicators-{board.division.code}-{board.month:%Y-%m}" if board.month else "indicators",
    )
    export_record(
        user=user,
        table=table,
        file_format="xlsx",
        audit_after={"division": board.division.code, "month": board.month.isoformat() if board.month else None},
    )
    return table
