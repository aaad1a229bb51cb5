"""Every back-office page opens for every role that may view it, and malformed list filters
never give a server error (issue 23, findings 5 and 7).

The demo (``seed_demo``) is loaded once for the module. A demo user of each role walks
every model of ``admin.site._registry`` (ours and those of django-axes, django-otp and
django-celery-beat): its list, its add page, and the change and history pages of the
first record its list shows. No page answers 5xx, and a record the list shows opens. On
every list it opens, a NUL byte in a filter is refused with 400
(``safeguards.security.BackOfficeQueryStringMiddleware``) and an unknown lookup is no 5xx.

Then, as a superuser (who opens every list; the filters are the same for every role),
each list gets a NUL byte or a 10,000-character value in a parameter or its name (400),
values of the wrong kind in each of its parameters, and lookups no list offers on the
model's own fields, which Django's admin accepts and the database or Python's dates may
refuse (a broken regular expression, a number beyond a column's precision, the year 0).
Each answer is 200, a redirect (Django's ``?e=1`` for an invalid lookup) or 400; never 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection, models
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import escape

from demo.baotou import DEMO_USERS
from inspections.admin import CHECK_CHOICES
from inspections.models import Inspection, InspectionTask
from registry.models import Provider, ProviderKind, User
from registry.staff import roles
from safeguards.security import MAX_QUERY_VALUE_LENGTH

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
# One demo user per role: the first of each in DEMO_USERS (the clerk is the city-level one,
# who sees every district's records).
USERS = sorted({demo.role: demo.username for demo in reversed(DEMO_USERS)}.values())
HEALTH_INSPECTOR = "inspector_health_baotou"  # an inspector of the health commission: childcare only
LONG = "x" * 10_000
# Of the wrong kind for one parameter or another: a word (no number, date or choice) and
# a number too large for any column or date.
BAD_VALUES = ["abc", "9" * 30]
UNKNOWN_LOOKUPS = [{"foo__bar": "1"}, {"id__in": "a,b"}]


def client_as(user: User | str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=user) if isinstance(user, str) else user)
    return client


def url(model: type, page: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def label(model: type) -> str:
    return model._meta.label


def filter_parameters(changelist: Any) -> list[str]:
    """The parameters that filter a list: its filters, date drill-down and search."""
    names = {name for spec in changelist.filter_specs for name in spec.expected_parameters()}
    if changelist.date_hierarchy:
        names |= {f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    if changelist.search_fields:
        names.add("q")
    return sorted(names)


def field_probes(model: type) -> list[dict[str, str]]:
    """Lookups on the model's own fields that no list offers (Django's admin accepts any),
    with values that the database or Python's dates refuse: two for the first field of
    each kind."""
    probes: dict[str, dict[str, str]] = {}
    for field in model._meta.concrete_fields:
        name = field.name
        if isinstance(field, models.DateTimeField):
            probes.setdefault("datetime", {f"{name}__year": "0", f"{name}__gte": "0001-01-01T00:00:00+01:00"})
        elif isinstance(field, models.DateField):
            probes.setdefault("date", {f"{name}__year__lt": "0", f"{name}__month": "9" * 30})
        elif isinstance(field, models.DecimalField):
            probes.setdefault("decimal", {f"{name}__gt": "1e1000000", f"{name}__lt": "1e-1000000"})
        elif isinstance(field, models.CharField | models.TextField):
            probes.setdefault("text", {f"{name}__regex": "(", f"{name}__iregex": "a{2,1}"})
        elif isinstance(field, models.IntegerField):
            probes.setdefault("integer", {f"{name}__in": f"1,{'9' * 30}", f"{name}__gt": "1e400"})
    return [{key: value} for pair in probes.values() for key, value in pair.items()]


@pytest.fixture(autouse=True)
def _demo(public_demo: None) -> None:
    """The whole demo, loaded once for the module (``public_demo``, rolled back after it)."""


@pytest.fixture
def each_request_apart(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each view in a savepoint of the test's transaction (``ATOMIC_REQUESTS``), as each
    request is apart in production (autocommit): a statement the database refuses would
    otherwise abort the test's transaction and fail every request after it."""
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    yield


def test_every_role_has_a_demo_user_here() -> None:
    assert {User.objects.get(username=name).groups.get().name for name in USERS} == set(roles.ALL_ROLES)


@pytest.mark.parametrize("username", [*USERS, HEALTH_INSPECTOR])
def test_every_page_opens_for_every_role_that_may_view_it(username: str) -> None:
    user = User.objects.get(username=username)
    client = client_as(user)
    problems, lists = [], 0
    for model in MODELS:
        address = url(model, "changelist")
        changelist = client.get(address)
        pages = [changelist]
        if changelist.status_code == 200 or user.has_perm(f"{model._meta.app_label}.add_{model._meta.model_name}"):
            pages.append(client.get(url(model, "add")))
        problems += [f"{r.status_code} {r.request['PATH_INFO']}" for r in pages if r.status_code >= 500]
        if changelist.status_code != 200:
            continue
        lists += 1
        for obj in changelist.context["cl"].result_list[:1]:
            for page, fine in [("change", {200, 302}), ("history", {200})]:
                try:
                    page_address = url(model, page, obj.pk)
                except NoReverseMatch:  # a model admin without that page
                    continue
                if (status := client.get(page_address).status_code) not in fine:
                    problems.append(f"{status} {page_address}")
        # The role's own filters too (each list's every parameter is tried below).
        parameters = filter_parameters(changelist.context["cl"]) or ["q"]
        if (status := client.get(address, {parameters[0]: "\x00"}).status_code) != 400:
            problems.append(f"{status} (not 400) {address}?{parameters[0]}=%00")
        if (status := client.get(address, UNKNOWN_LOOKUPS[0]).status_code) >= 500:
            problems.append(f"{status} {address}?foo__bar=1")

    assert not problems, "\n".join(problems)
    assert lists >= 3, f"{username} opened only {lists} lists"


def test_the_demo_health_commission_inspector_sees_baotous_childcare_providers_only() -> None:
    client = client_as(HEALTH_INSPECTOR)
    childcare = Provider.objects.filter(kind__in=ProviderKind.childcare(), division__code__startswith="1502")

    providers = client.get(url(Provider, "changelist"))
    tasks = client.get(url(InspectionTask, "changelist"))

    assert providers.context["cl"].result_count == childcare.count() > 0
    assert tasks.context["cl"].result_count > 0  # health supervision, fire inspection, quality evaluation
    assert {task.provider.kind for task in tasks.context["cl"].result_list} <= ProviderKind.childcare()
    elderly = Provider.objects.filter(kind=ProviderKind.ELDERLY_INSTITUTION).first()
    assert elderly is not None and client.get(url(Provider, "change", elderly.pk)).status_code == 404


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_no_malformed_filter_gives_a_server_error(
    model: type, superuser: User, each_request_apart: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Short pages: what is tried here is the query, not the drawing of a hundred rows.
    monkeypatch.setattr(admin.site._registry[model], "list_per_page", 2)
    client = client_as(superuser)
    address = url(model, "changelist")
    response = client.get(address)
    assert response.status_code == 200
    parameters = [*filter_parameters(response.context["cl"]), "o", "p"]
    problems = []
    # Refused before the list is built, whichever the parameter: a NUL byte or an
    # over-long value in the first and the last, in a name, and with others that are fine.
    refused = [{parameters[0]: "\x00"}, {parameters[-1]: "1\x002"}, {parameters[0]: LONG}, {"o": "1", "p": LONG}]
    for query in [*refused, {"status\x00": "1"}, {LONG: "1"}]:
        if (status := client.get(address, query).status_code) != 400:
            problems.append(f"{status} (not 400) {address}?{str(query)[:60]}")
    # One search (any text is a search), each filter with each bad value, a page past the end.
    bad_values = [{name: value} for name in parameters[:-2] for value in BAD_VALUES[name == "q" :]]
    for query in [*bad_values, {"p": "9" * 30}, *UNKNOWN_LOOKUPS, *field_probes(model)]:
        if (status := client.get(address, query).status_code) not in (200, 302, 400):
            problems.append(f"{status} {address}?{query}")

    assert not problems, "\n".join(problems)


def test_a_filter_the_database_refuses_is_a_400_and_the_list_still_opens(
    superuser: User, each_request_apart: None
) -> None:
    client = client_as(superuser)
    address = url(Inspection, "changelist")

    for query in [{"summary__regex": "("}, {"inspected_on__year": "0"}]:
        assert client.get(address, query).status_code == 400, query
    assert client.get(address, {"inspected_on__year": "2025"}).status_code == 200


def test_the_refusal_is_a_short_page_in_the_users_language() -> None:
    client = client_as("clerk_kundulun")
    address = url(Inspection, "changelist")

    chinese = client.get(address, {"outcome": "\x00"})
    with translation.override("en"):
        english = client.get(url(Inspection, "changelist"), {"q": "x" * (MAX_QUERY_VALUE_LENGTH + 1)})

    assert chinese.status_code == english.status_code == 400
    assert "请求无效" in chinese.content.decode()
    assert "Bad request" in english.content.decode()
    # Up to the limit is fine, and so is a long search outside the back-office.
    assert client.get(address, {"q": "x" * MAX_QUERY_VALUE_LENGTH}).status_code == 200
    assert client.get(reverse("provider_list"), {"q": "x" * 2000}).status_code == 200


def test_a_nul_byte_in_a_back_office_path_or_before_login_is_refused() -> None:
    assert client_as("clerk_kundulun").get("/admin/inspections/inspection/1%00/change/").status_code == 400
    assert Client().get("/en/admin/login/", {"next": "/admin/\x00"}).status_code == 400


@pytest.mark.parametrize("username", ["reviewer_baotou", "auditor"])
def test_view_only_roles_open_inspection_records_with_their_checklist(username: str) -> None:
    inspection = Inspection.objects.exclude(checklist_results={}).order_by("pk").first()
    assert inspection is not None
    item = inspection.regime.checklist[0]

    with translation.override("en"):
        response = client_as(username).get(url(Inspection, "change", inspection.pk))
        result = str(dict(CHECK_CHOICES)[inspection.checklist_results[item["code"]]])

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html and 'type="radio"' not in html
    assert f"<td>{escape(item['text_en'])}</td><td>{result}</td>" in html
