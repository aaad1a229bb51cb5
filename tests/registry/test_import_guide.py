"""The import page explains the roster in the page, and the template is ready to fill
(issue 21, "Imports"): each column's required mark, accepted values and example; the
example row names the clerk's own first provider (it imports as it is); every one-choice
column has a drop-down list of the Chinese labels."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from factories import ProviderFactory
from rosters_support import logged_in

from registry.models import CareLevel, Provider, Resident, RosterImport
from registry.rosters.kinds import EXAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_clerk(clerk, client_for):
    return logged_in(client_for, clerk)


def chinese_labels(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in choices.choices]


def test_the_import_page_says_what_each_column_accepts_with_the_clerks_own_example(home, as_clerk):
    other = ProviderFactory(name="阿拉坦敬老院")  # which comes first: as the database sorts names
    first = Provider.objects.filter(pk__in=[home.pk, other.pk]).order_by("name", "pk").first()

    html = as_clerk.get(reverse("admin:registry_resident_import")).content.decode()

    assert "docs/" not in html  # the help is in the page, not in a file of the code
    labels = "、".join(chinese_labels(CareLevel))
    assert f"<td>照护等级</td><td>care level</td><td>✓</td><td>以下之一：{labels}</td>" in html.replace("\n", "")
    assert "<td>机构统一社会信用代码</td><td>provider uscc</td><td>✓</td>" in html
    assert f"<td>{first.uscc}</td>" in html
    assert EXAMPLES["residents"][2] not in html  # the fictitious provider of the built-in example


def test_the_template_names_the_clerks_provider_offers_drop_downs_and_imports_as_it_is(home, clerk, as_clerk):
    response = as_clerk.get(reverse("admin:registry_resident_import_template"))

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    example = [cell.value for cell in sheet[2]]
    assert example[header.index("机构统一社会信用代码")] == home.uscc
    options = workbook[workbook.sheetnames[1]]
    assert options.sheet_state == "hidden"
    rules = {str(rule.sqref).split(":")[0][:-1]: rule for rule in sheet.data_validations.dataValidation}
    care_column = openpyxl.utils.get_column_letter(header.index("照护等级") + 1)
    rule = rules[care_column]
    assert rule.type == "list" and rule.showErrorMessage and not rule.allow_blank
    sheet_name, cells = rule.formula1.split("!")
    assert sheet_name.strip("'") == options.title
    first, last = (part.replace("$", "") for part in cells.split(":"))
    listed = [row[0].value for row in options[f"{first}:{last}"]]
    assert listed == chinese_labels(CareLevel)
    categories_column = openpyxl.utils.get_column_letter(header.index("人员类别") + 1)
    assert categories_column not in rules  # several choices in one cell: no one-value list

    upload = as_clerk.post(
        reverse("admin:registry_resident_import"),
        {"roster": SimpleUploadedFile("residents-template.xlsx", response.content)},
    )
    page = as_clerk.get(upload["Location"])
    assert page.context["errors"] == []
    assert page.context["counts"] == {"new": 1, "changed": 0, "unchanged": 0}
    as_clerk.post(upload["Location"], {"digest": RosterImport.objects.get().digest})
    assert Resident.objects.get(id_number=EXAMPLES["residents"][0]).provider == home
