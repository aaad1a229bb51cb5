"""Separation of the three admin roles, response headers and the deployment check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_back_office_pages_are_not_stored_and_carry_a_csp(clerk, client_for):
    response = client_for(clerk).get(reverse("admin:index"))

    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_public_pages_carry_a_csp_but_may_be_cached(client):
    response = client.get(reverse("provider_list"))

    assert "Content-Security-Policy" in response and response.get("Cache-Control") != "no-store"


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "k" * 20 + "-production-secret-" + "x9Y8z7W6v5U4t3S2r1Q0p" * 2,
    "ALLOWED_HOSTS": "registry.example.cn",
    "PERSONAL_DATA_KEYS": "Yq3nQk1yGJ0m8w0ZC0f1wKkz1sX3mJ2cQyq5xR7y1aA=",
    "PERSONAL_DATA_HASH_KEY": "a-long-random-production-hash-key-0123456789",
    "INTEGRITY_KEY": "a-long-random-production-integrity-key-9876543210",
    "NUM_PROXIES": "1",
    "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
}


def deploy_check(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **PRODUCTION_ENV, **overrides}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deployment_check_passes_with_production_settings():
    result = deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_check_refuses_the_published_development_keys():
    from safeguards.crypto import DEVELOPMENT_HASH_KEY, DEVELOPMENT_KEY

    result = deploy_check(PERSONAL_DATA_KEYS=DEVELOPMENT_KEY, PERSONAL_DATA_HASH_KEY=DEVELOPMENT_HASH_KEY)

    assert result.returncode != 0
    assert "registry.E001" in result.stderr and "registry.E002" in result.stderr


def test_the_deployment_check_refuses_the_published_integrity_key():
    from safeguards.integrity import DEVELOPMENT_INTEGRITY_KEY

    result = deploy_check(INTEGRITY_KEY=DEVELOPMENT_INTEGRITY_KEY)

    assert result.returncode != 0 and "registry.E003" in result.stderr


def test_the_deployment_check_warns_when_no_proxy_is_counted():
    """Behind nginx, NUM_PROXIES=0 gives every client nginx's address (issue 23, finding 7)."""
    result = deploy_check(NUM_PROXIES="0")

    assert result.returncode != 0 and "registry.W202" in result.stderr


def test_the_deployment_check_warns_when_the_cache_is_per_process():
    """Without REDIS_CACHE_URL each gunicorn process counts the public rate limit alone (issue 20)."""
    result = deploy_check(REDIS_CACHE_URL="")

    assert result.returncode != 0 and "registry.W203" in result.stderr


def test_an_unknown_list_lookup_is_a_bad_request(clerk, client_for):
    """Issue 23: malformed filter values and unknown lookups get 400, not Django's ?e=1 reload."""
    client = client_for(clerk)
    url = reverse("admin:registry_provider_changelist")

    assert client.get(url, {"foo__bar": "1"}).status_code == 400
    assert client.get(url, {"status": "certified"}).status_code == 200
