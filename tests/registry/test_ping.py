"""``/ping/``: the health check and the load test's baseline (issue 20) answers "ok" without
the database, a session, a template, a cache entry or the rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from registry.models import User


def test_ping_answers_ok_as_plain_text_without_touching_the_database(client: Client) -> None:
    # No django_db mark: a single query would fail this test.
    response = client.get("/ping/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_ping_is_never_cached_and_sets_no_cookie(client: Client) -> None:
    response = client.get("/ping/")

    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert not response.cookies


def test_ping_answers_head_but_refuses_a_post(client: Client) -> None:
    assert client.head("/ping/").status_code == 200
    assert client.post("/ping/").status_code == 405


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_cache")
def test_ping_is_not_rate_limited_where_the_open_data_is(client: Client, settings: Any) -> None:
    settings.PUBLIC_RATE_LIMIT = 2

    api = [client.get("/api/providers/").status_code for _n in range(3)]
    pings = [client.get("/ping/").status_code for _n in range(10)]

    assert api == [200, 200, 429]
    assert pings == [200] * 10


@pytest.mark.django_db
def test_a_signed_in_staff_user_without_the_second_factor_still_gets_ok(
    clerk: User, client_for: Callable[[User], Client], settings: Any
) -> None:
    settings.STAFF_OTP_REQUIRED = True
    client = client_for(clerk)

    assert client.get("/admin/").status_code == 302  # the back office asks for the code first
    assert client.get("/ping/").content == b"ok"
