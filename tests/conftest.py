"""Shared fixtures: real divisions, staff users per role, logged-in clients.

Factories live in ``tests/factories.py`` (import it as ``factories``: the tests folder
is on ``sys.path`` because this conftest sits in it and there is no ``__init__.py``).
"""

from __future__ import annotations

import copy
import importlib.util
import io
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.forms import FileField, MultiWidget
from django.test import Client
from django.utils import translation
from factories import BAOTOU, DONGHE, KUNDULUN
from pytest_django.plugin import blocking_manager_key

from registry.models import Division, User
from registry.public_cache import bump_public_data_version
from registry.staff import roles

_usernames = itertools.count(1)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in Chinese, the default: a request to /en/… in an earlier test
    leaves English active in the thread, which would make reverse() give /en/ URLs."""
    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_public_cache() -> None:
    """Every test starts with no public page cached (a new data version): a page an earlier
    test cached from rows it then rolled back is never served to a later one."""
    bump_public_data_version()


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise warns that STATIC_ROOT does not exist: tests never run collectstatic.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Files spread over the cores, browser and Celery tests each kept to one worker
    (``xdist_scopes.py``), when pytest-xdist runs with ``--dist loadfile`` (pyproject.toml)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist_scopes import FileScheduling

    return FileScheduling(config, log)


def _transactional(item: pytest.Item) -> bool:
    """Whether the test commits for real, and so is flushed after it (pytest-django's rule)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


def _restores_at_setup(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return _transactional(item) and marker is not None and bool(marker.kwargs.get("serialized_rollback"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a test that committed, the flush leaves the database empty, without the rows
    migrations created (role groups, content types, permissions). pytest-django runs such
    tests after all others, but xdist sends a worker whole files in its own order: the rows
    are put back now, unless the next test puts them back itself (``serialized_rollback``)."""
    result = yield
    if _transactional(item) and nextitem is not None and not _restores_at_setup(nextitem):
        serialized = getattr(connection, "_test_serialized_contents", None)
        if serialized:
            with item.config.stash[blocking_manager_key].unblock():
                connection.creation.deserialize_db_from_string(serialized)
                # Tables a migration test dropped and made again restart their ids at 1.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(
                        no_style(), apps.get_models(include_auto_created=True)
                    ):
                        cursor.execute(sql)
    return result


# Rows that the first ``load_reference_data`` of the session created, per model, so that
# later tests get the same rows with one INSERT per model instead of a full reload.
_reference_rows: list[tuple[type[Model], list[Model]]] | None = None


def _reference_models() -> list[type[Model]]:
    """Models that reference data may fill: those of apps with a ``reference_data`` module."""
    tables = set(connection.introspection.table_names())
    return [
        model
        for config in apps.get_app_configs()
        if importlib.util.find_spec(f"{config.name}.reference_data") is not None
        for model in config.get_models()
        if model._meta.db_table in tables
    ]


def _load_reference_data() -> None:
    global _reference_rows
    if _reference_rows is not None and not Division.objects.exists():
        with transaction.atomic():
            for model, rows in _reference_rows:
                model._base_manager.bulk_create([copy.copy(row) for row in rows])
        return
    first = _reference_rows is None and not Division.objects.exists()
    models = _reference_models() if first else []
    before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
    call_command("load_reference_data", stdout=io.StringIO())
    if first:
        created = [(m, [row for row in m._base_manager.order_by("pk") if row.pk not in before[m]]) for m in models]
        _reference_rows = [(model, rows) for model, rows in created if rows]


@pytest.fixture
def divisions(db: None) -> dict[str, Division]:
    """Inner Mongolia's real divisions and the fire-exemption rule (``load_reference_data``),
    keyed by code. The command really runs once per session; later tests replay its rows."""
    _load_reference_data()
    return {d.code: d for d in Division.objects.all()}


@pytest.fixture
def make_staff(divisions: dict[str, Division]) -> Callable[..., User]:
    """``make_staff(roles.DISTRICT_CLERK, "150203")``: a staff user in a role and a jurisdiction.

    ``division_code=None`` gives a staff user without a jurisdiction.
    """

    def make(role: str | None, division_code: str | None, **extra: object) -> User:
        user = User.objects.create_user(
            username=f"staff{next(_usernames)}",
            is_staff=True,
            jurisdiction=Division.objects.get(code=division_code) if division_code else None,
            **extra,
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def superuser(db: None) -> User:
    """A break-glass superuser without a jurisdiction: sees everything."""
    return User.objects.create_superuser(username=f"root{next(_usernames)}", password=None)


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A test client logged in as ``user``."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def clerk(make_staff: Callable[..., User]) -> User:
    """District clerk of Kundulun, where factories put providers by default."""
    return make_staff(roles.DISTRICT_CLERK, KUNDULUN)


@pytest.fixture
def reviewer(make_staff: Callable[..., User]) -> User:
    """City reviewer of Baotou (Kundulun's city); may not see personal data."""
    return make_staff(roles.CITY_REVIEWER, BAOTOU)


@pytest.fixture
def outsider(make_staff: Callable[..., User]) -> User:
    """District clerk of Donghe, another county of Baotou."""
    return make_staff(roles.DISTRICT_CLERK, DONGHE)


@pytest.fixture
def inspector(make_staff: Callable[..., User]) -> User:
    """Inspector of Kundulun: a read-only role."""
    return make_staff(roles.INSPECTOR, KUNDULUN)


def _form_values(form: Any, prefix: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        key = f"{prefix}{name}"
        value = form[name].value()
        if value is None or value is False or isinstance(field, FileField):
            continue  # unchecked boxes and files are not sent back
        if value is True:
            data[key] = "on"
        elif isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{key}_{i}"] = "" if part is None else part
        else:
            data[key] = value
    return data


@pytest.fixture
def admin_form_data() -> Callable[[Any], dict[str, Any]]:
    """The POST data an admin add/change page would send unchanged, inlines included."""

    def collect(response: Any) -> dict[str, Any]:
        data = _form_values(response.context["adminform"].form)
        for inline in response.context["inline_admin_formsets"]:
            formset = inline.formset
            data.update(_form_values(formset.management_form, f"{formset.prefix}-"))
            for form in formset.forms:
                data.update(_form_values(form, f"{form.prefix}-"))
        return data

    return collect
