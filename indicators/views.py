"""The indicator dashboard of the back office and its upward report (thin: the numbers
come from ``dashboard.py``, the workbook from ``report.py``)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from registry.admin_base import staff_user
from registry.exports import XLSX

from .dashboard import dashboard, dashboard_root
from .report import record_report, report_rows, report_workbook


def _drill_down(code: str) -> str:
    return f"{reverse('indicators:dashboard')}?{urlencode({'division': code})}"


def dashboard_view(request: HttpRequest) -> TemplateResponse:
    """Each indicator for the user's jurisdiction (or ``?division=`` inside it)."""
    own, division = dashboard_root(staff_user(request), request.GET.get("division"))
    board = dashboard(own, division)
    charts = []
    for panel in board.panels:
        urls = [_drill_down(child.code) for child, _cells in panel.children]
        charts.append(panel.chart(board.months, urls))
    context = {
        **admin.site.each_context(request),
        "title": _("Plan indicators: %(division)s") % {"division": division.name},
        "board": board,
        "charts": charts,
        "report_url": f"{reverse('indicators:report')}?{urlencode({'division': division.code})}",
    }
    return TemplateResponse(request, "indicators/dashboard.html", context)


def report_view(request: HttpRequest) -> HttpResponse:
    """The dashboard's numbers as an .xlsx statistical return, recorded and audited."""
    user = staff_user(request)
    own, division = dashboard_root(user, request.GET.get("division"))
    board = dashboard(own, division)
    table = record_report(user=user, board=board, rows=len(report_rows(board)))
    response = HttpResponse(report_workbook(board), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{table.file_name("xlsx")}"'
    return response
