"""The back-office's forms and lists as a clerk meets them (issue #21, "Forms and lists").

- The add-provider page opens on the sections a clerk must fill in; the optional ones and
  the seven lists below are folded, and every required field is marked.
- A district clerk's only division is already chosen; nobody gets a "+" to create a
  division or a draw from inside another form.
- The residents (and caregivers) list can be narrowed to one provider by typing its name.
- A person's name is 姓名, an organisation's 名称; ID numbers are typed on one line.
- Django's stock phrases read as Chinese ("选择要修改的机构", "按状态").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from factories import BAOTOU, DONGHE, KUNDULUN, CaregiverFactory, ProviderFactory, ResidentFactory

from registry.models import Division, User
from registry.staff import roles

pytestmark = pytest.mark.django_db

PROVIDER_ADD = "/admin/registry/provider/add/"
RESIDENTS = "/admin/registry/resident/"


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# --------------------------------------------------------------------------- the add-provider form


def test_add_provider_form_folds_optional_sections_and_lists_and_marks_required_fields(
    clerk: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(clerk).get(PROVIDER_ADD)
    page = html(response)
    form = response.context["adminform"].form

    open_fields: list[str] = []
    folded_sections = 0
    for fieldset in response.context["adminform"]:
        names = list(fieldset.fields)
        if fieldset.is_collapsible:
            folded_sections += 1
            # Nothing the clerk must fill in hides in a folded section.
            assert not [n for n in names if n in form.fields and form.fields[n].required], fieldset.name
        else:
            open_fields += names
    assert folded_sections >= 3
    required = sorted(name for name, field in form.fields.items() if field.required)
    assert set(required) <= set(open_fields)
    assert {"name", "uscc", "division", "address"} <= set(required)

    # The folded sections are <details> the clerk opens by a click on the heading.
    assert page.count("<details>") >= folded_sections
    # Every list below the form (childcare places, licences, fees, reports, credit, grades,
    # credit disclosures, caregivers, holds, lifecycle) is folded.
    inlines = response.context["inline_admin_formsets"]
    assert len(inlines) == 10
    assert all(inline.is_collapsible for inline in inlines)

    # Required labels carry the "required" class the "*" is drawn on, explained above the form.
    for name in required:
        assert re.search(rf'<label[^>]*class="required"[^>]*for="id_{name}"', page), name
    assert "css/admin_forms.css" in page
    assert 'class="required-legend"' in page
    optional = next(name for name, field in form.fields.items() if not field.required)
    assert not re.search(rf'<label[^>]*class="required"[^>]*for="id_{optional}"', page)


def test_the_legend_of_the_required_mark_is_in_english_under_en(
    clerk: User, client_for: Callable[[User], Client]
) -> None:
    page = html(client_for(clerk).get("/en" + PROVIDER_ADD))
    assert "Fields marked * are required." in page


def test_a_section_with_an_error_opens_by_itself(
    clerk: User, client_for: Callable[[User], Client], admin_form_data: Callable[[Any], dict[str, Any]]
) -> None:
    client = client_for(clerk)
    data = admin_form_data(client.get(PROVIDER_ADD))
    data.update(name="新建养老院", uscc="bad", address="钢铁大街1号", floor_area_m2="-5")
    response = client.post(PROVIDER_ADD, data)
    assert response.status_code == 200  # sent back with errors, nothing saved
    premises = next(fs for fs in response.context["adminform"] if "floor_area_m2" in fs.fields)
    assert "floor_area_m2" in response.context["adminform"].form.errors
    assert not premises.is_collapsible


def test_a_read_only_provider_page_has_no_required_legend(
    make_staff: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    provider = ProviderFactory()
    inspector = make_staff(roles.INSPECTOR, KUNDULUN)
    page = html(client_for(inspector).get(f"/admin/registry/provider/{provider.pk}/change/"))
    assert 'class="required-legend"' not in page


# --------------------------------------------------------------------------- choices and "+" links


def test_a_district_clerks_only_division_is_preselected(clerk: User, client_for: Callable[[User], Client]) -> None:
    response = client_for(clerk).get(PROVIDER_ADD)
    kundulun = Division.objects.get(code=KUNDULUN)
    assert list(response.context["adminform"].form.fields["division"].queryset) == [kundulun]
    assert re.search(rf'<option value="{kundulun.pk}" selected>', html(response))


def test_a_city_clerk_chooses_the_division_themselves(
    make_staff: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    city_clerk = make_staff(roles.DISTRICT_CLERK, BAOTOU)
    response = client_for(city_clerk).get(PROVIDER_ADD)
    assert response.context["adminform"].form.fields["division"].queryset.count() > 1
    assert not re.search(r'<select name="division"[^>]*>.*?<option value="\d+" selected>', html(response), re.S)


def test_an_optional_choice_is_not_preselected(clerk: User, client_for: Callable[[User], Client]) -> None:
    # A resident's household registration (home county) may lie anywhere in the region.
    page = html(client_for(clerk).get("/admin/registry/resident/add/"))
    home_county = re.search(r'<select name="home_county".*?</select>', page, re.S)
    assert home_county is not None
    assert not re.search(r'<option value="\d+" selected>', home_county.group())


def test_no_add_link_for_divisions_or_draws_inside_other_forms(
    clerk: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(clerk)
    assert clerk.has_perm("registry.add_division")  # the clerk may add a local unit on its own page…
    provider_form = html(client.get(PROVIDER_ADD))
    assert 'id="add_id_division"' not in provider_form  # …but not from the provider form
    resident_form = html(client.get("/admin/registry/resident/add/"))
    assert 'id="add_id_home_county"' not in resident_form
    assert 'id="add_id_provider"' in resident_form  # adding a provider from here is still offered
    if clerk.has_perm("inspections.add_inspection"):
        inspection_form = html(client.get("/admin/inspections/inspection/add/"))
        assert 'name="draw"' in inspection_form
        assert 'id="add_id_draw"' not in inspection_form


# --------------------------------------------------------------------------- residents by provider


def test_residents_list_filters_by_provider_name_or_uscc(clerk: User, client_for: Callable[[User], Client]) -> None:
    sunny = ProviderFactory(name="阳光养老院")
    river = ProviderFactory(name="河畔护理院")
    elsewhere = ProviderFactory(name="阳光东河养老院", division=Division.objects.get(code=DONGHE))
    ResidentFactory(provider=sunny, name="阳光甲")
    ResidentFactory(provider=river, name="河畔乙")
    ResidentFactory(provider=elsewhere, name="东河丙")
    client = client_for(clerk)

    page = html(client.get(RESIDENTS))
    assert 'name="provider_q"' in page
    assert "阳光甲" in page and "河畔乙" in page

    by_name = client.get(RESIDENTS, {"provider_q": "阳光"})
    names = {r.name for r in by_name.context["cl"].result_list}
    assert names == {"阳光甲"}  # Donghe's 阳光 home lies outside the clerk's district
    assert 'value="阳光"' in html(by_name)

    by_uscc = client.get(RESIDENTS, {"provider_q": river.uscc.lower()})
    assert {r.name for r in by_uscc.context["cl"].result_list} == {"河畔乙"}


def test_the_provider_filter_keeps_the_other_filters(clerk: User, client_for: Callable[[User], Client]) -> None:
    ResidentFactory(provider=ProviderFactory(name="阳光养老院"), care_level="self_care")
    page = html(client_for(clerk).get(RESIDENTS, {"care_level__exact": "self_care", "provider_q": "阳光"}))
    form = re.search(r'<form method="get" class="provider-filter">.*?</form>', page, re.S)
    assert form is not None
    assert '<input type="hidden" name="care_level__exact" value="self_care">' in form.group()
    assert 'name="provider_q"' in form.group()


def test_caregivers_list_filters_by_provider_too(clerk: User, client_for: Callable[[User], Client]) -> None:
    CaregiverFactory(provider=ProviderFactory(name="阳光养老院"), name="护理员甲")
    CaregiverFactory(provider=ProviderFactory(name="河畔护理院"), name="护理员乙")
    response = client_for(clerk).get("/admin/registry/caregiver/", {"provider_q": "河畔"})
    assert {c.name for c in response.context["cl"].result_list} == {"护理员乙"}


# --------------------------------------------------------------------------- labels and inputs


def test_a_persons_name_is_xingming_an_organisations_is_mingcheng(
    clerk: User, client_for: Callable[[User], Client]
) -> None:
    resident = ResidentFactory()
    caregiver = CaregiverFactory(provider=resident.provider)
    client = client_for(clerk)
    for url in (
        RESIDENTS,
        f"/admin/registry/resident/{resident.pk}/change/",
        "/admin/registry/caregiver/",
        f"/admin/registry/caregiver/{caregiver.pk}/change/",
    ):
        page = html(client.get(url))
        assert "姓名" in page, url
        assert not re.search(r">\s*名称\s*[:：]?\s*<", page), url
    provider_page = html(client.get("/admin/registry/provider/"))
    assert re.search(r">\s*名称\s*<", provider_page)


def test_id_numbers_are_typed_on_one_line(clerk: User, client_for: Callable[[User], Client]) -> None:
    resident = ResidentFactory()
    caregiver = CaregiverFactory(provider=resident.provider)
    client = client_for(clerk)
    for url in (
        "/admin/registry/resident/add/",
        f"/admin/registry/resident/{resident.pk}/change/",
        "/admin/registry/caregiver/add/",
        f"/admin/registry/caregiver/{caregiver.pk}/change/",
    ):
        page = html(client.get(url))
        assert not re.search(r'<textarea[^>]*name="(id_number|phone)"', page), url
        assert re.search(r'<input type="text" name="id_number"', page), url


def test_stock_phrases_read_as_chinese(clerk: User, client_for: Callable[[User], Client]) -> None:
    ProviderFactory()
    page = html(client_for(clerk).get("/admin/registry/provider/"))
    assert "选择要修改的机构" in page
    assert "选择 机构 来修改" not in page
    assert re.search(r"按\s*状态", page)
    assert "以 状态" not in page


def test_providers_visible_to_the_filter_are_the_users_own(clerk: User) -> None:
    from registry.admin_filters import providers_matching

    mine = ProviderFactory(name="阳光养老院")
    ProviderFactory(name="阳光东河养老院", division=Division.objects.get(code=DONGHE))
    assert list(providers_matching(clerk, "阳光")) == [mine]
    assert list(providers_matching(clerk, mine.uscc.lower())) == [mine]
