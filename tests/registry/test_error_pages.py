"""Error pages (issue #21, "Error pages"): 403, 404 and 500 styled, in the page's language,
with a way back; a 403 in the back-office names the roles that may do it, or the reason
the refusal carries.

New strings are asserted under /en/ (their Chinese is added with the translations)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from registry.errors import permission_denied, server_error
from registry.staff import roles

pytestmark = pytest.mark.django_db


def en(name: str) -> str:
    with translation.override("en"):
        return reverse(name)


def test_a_refused_back_office_page_is_styled_and_names_the_role(divisions, inspector, client_for):
    response = client_for(inspector).get(en("admin:registry_provider_add"))
    content = response.content.decode()

    assert response.status_code == 403
    assert 'id="header"' in content  # the back-office's layout, not a bare "403 Forbidden"
    assert "You may not do this" in content
    assert roles.DISTRICT_CLERK in content  # who may add a provider
    assert 'href="/en/admin/"' in content  # a way back


def test_the_chinese_page_is_the_default(divisions, inspector, client_for):
    response = client_for(inspector).get(reverse("admin:registry_provider_add"))

    assert response.status_code == 403
    assert '<html lang="zh-hans"' in response.content.decode()
    assert 'href="/admin/"' in response.content.decode()


def test_a_refusal_that_carries_its_reason_shows_it(divisions, inspector):
    request = RequestFactory().get("/en/admin/subsidies/grantrun/1/change/")
    request.user = inspector

    response = permission_denied(request, PermissionDenied("Only a city reviewer approves a run."))

    assert response.status_code == 403
    assert "Only a city reviewer approves a run." in response.content.decode()


def test_a_missing_back_office_page_is_styled_with_a_way_back(divisions, inspector, client_for):
    response = client_for(inspector).get("/en/admin/no-such-page/")
    content = response.content.decode()

    assert response.status_code == 404
    assert 'id="header"' in content and "Page not found" in content
    assert 'href="/en/admin/"' in content


def test_a_missing_public_page_keeps_the_directorys_layout(divisions, client):
    response = client.get("/en/no-such-page/")
    content = response.content.decode()

    assert response.status_code == 404
    assert "Page not found" in content and 'class="site"' in content
    assert en("provider_list") in content


def test_the_server_error_page_speaks_both_languages_and_leads_back():
    response = server_error(RequestFactory().get("/admin/"))
    content = response.content.decode()

    assert response.status_code == 500
    assert "服务暂时不可用" in content and "Something went wrong" in content
    assert 'href="/admin/"' in content and 'href="/en/admin/"' in content
