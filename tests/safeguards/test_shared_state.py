"""What two web instances must share (issue 20): the deployment check names any piece of
state a process would keep to itself."""

from __future__ import annotations

import pytest

from safeguards.shared_state import check_shared_state

REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}}
LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def warnings_of(settings, **values) -> list[str]:
    for name, value in values.items():
        setattr(settings, name, value)
    return [message.msg for message in check_shared_state() if message.id == "registry.W203"]


def test_the_production_set_up_shares_everything(settings):
    """Redis for the cache (rate limits), the database for sessions and the lockout."""
    assert warnings_of(settings, CACHES=REDIS, SESSION_ENGINE="django.contrib.sessions.backends.db") == []


def test_a_local_memory_cache_counts_the_rate_limits_per_process(settings):
    found = warnings_of(settings, CACHES=LOCAL, SESSION_ENGINE="django.contrib.sessions.backends.db")

    assert len(found) == 1 and "rate limits" in found[0]


@pytest.mark.parametrize(
    ("engine", "cache", "warnings"),
    [
        ("django.contrib.sessions.backends.cached_db", LOCAL, 2),  # the cache, and sessions read from it
        ("django.contrib.sessions.backends.cached_db", REDIS, 0),
        ("django.contrib.sessions.backends.file", REDIS, 1),  # per machine
    ],
)
def test_sessions_kept_in_a_process_or_on_one_machine_are_named(settings, engine, cache, warnings):
    assert len(warnings_of(settings, CACHES=cache, SESSION_ENGINE=engine)) == warnings


def test_a_lockout_counted_in_a_local_cache_is_named(settings):
    found = warnings_of(
        settings,
        CACHES=LOCAL,
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        AXES_HANDLER="axes.handlers.cache.AxesCacheHandler",
    )

    assert any("lockout" in message for message in found)
