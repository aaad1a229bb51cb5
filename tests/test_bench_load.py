"""The load section of ``make bench`` (issue 20), fast and without timings.

- The figures (``tests/perf/load/stats.py``) and the report section
  (``tests/perf/report_load.py``) from recorded samples: what is measured after the warm-up,
  when a p95 is shown, where the knee is, how each goal is judged and listed.
- The Locust user classes (``tests/perf/load/locustfile.py``) for a few seconds against a
  live test server with small scale data and the sessions ``prepare.py`` opens: every mix
  reaches its pages (the clerk's roster preview, the provider's submission) and nothing
  fails. Skipped when Locust is not installed (``requirements-bench.txt``).
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from perf.load import stats
from perf.load.prepare import build_plan
from perf.load.run import gunicorn_arguments
from perf.load.stats import Recorded, Sample
from perf.report_load import load_section

from demo.scale import generate

LOCUSTFILE = Path(__file__).parent / "perf" / "load" / "locustfile.py"
T0 = 1_000_000.0


def recorded(durations: list[float], *, mix: str = "citizen", spread: float = 10.0) -> Recorded:
    """Requests begun evenly over ``spread`` seconds after a one-second warm-up."""
    step = spread / len(durations)
    samples = [Sample(mix, "directory", T0 + 1 + n * step, seconds, 200, "") for n, seconds in enumerate(durations)]
    return Recorded(started=T0, ended=T0 + 1 + spread, samples=samples)


def test_a_run_is_measured_after_its_warm_up_but_every_error_counts() -> None:
    run = recorded([n / 1000 for n in range(1, 101)])
    warm_up = [
        Sample("citizen", "directory", T0 + 0.2, 3.0, 502, ""),
        Sample("citizen", "API list", T0 + 0.5, 0.01, 429, ""),
    ]
    summary = stats.summarise(Recorded(run.started, run.ended, warm_up + run.samples))

    assert summary["requests"] == 100
    assert (summary["p50"], summary["p95"], summary["p99"]) == (0.050, 0.095, 0.099)
    last_answer = run.samples[-1].started + run.samples[-1].seconds
    assert summary["rps"] == pytest.approx(100 / (last_answer - (T0 + 1)))
    assert {(e["name"], e["status"]) for e in summary["errors"]} == {("directory", 502), ("API list", 429)}


def test_a_redirect_a_page_should_not_make_is_an_error_and_one_it_makes_is_not() -> None:
    login = Sample("clerk", "workbench", T0 + 2, 0.01, 302, "CatchResponseError: 302 instead of 200 /admin/login/")
    portal_home = Sample("portal", "portal home", T0 + 2, 0.01, 302, "")

    assert login.failed and not portal_home.failed
    assert Sample("ping", "/ping/", T0 + 2, 0.5, 0, "ConnectionRefusedError").failed


def test_a_p95_is_given_from_fifty_requests_and_a_p99_from_a_hundred() -> None:
    assert stats.summarise(recorded([0.01] * 49))["p95"] is None
    fifty = stats.summarise(recorded([0.01] * 50))
    assert fifty["p95"] == 0.01 and fifty["p99"] is None
    assert stats.summarise(recorded([0.01] * 100))["p99"] == 0.01


def level(users: int, rps: float, p95: float | None) -> dict[str, Any]:
    return {"users": users, "rps": rps, "p95": p95}


def test_the_knee_is_the_last_level_before_throughput_stops_growing_while_latency_climbs() -> None:
    found = stats.knee([level(1, 20, 0.06), level(8, 80, 0.12), level(32, 84, 0.45), level(64, 83, 0.9)])

    assert found["users"] == 8
    assert "8 to 32 users" in found["text"] and "80 → 84 req/s" in found["text"]


def test_no_knee_while_throughput_keeps_growing() -> None:
    found = stats.knee([level(1, 20, 0.06), level(8, 80, 0.12), level(32, 200, 0.2), level(64, 300, 0.3)])

    assert found["users"] is None and found["text"].startswith("none up to 64 users")


def run(
    users: int,
    rps: float,
    p50: float,
    p99: float | None,
    *,
    cpu: float = 26.0,
    errors: list[dict[str, Any]] | None = None,
) -> dict:
    return {
        "users": users,
        "rps": rps,
        "p50": p50,
        "p95": p99,
        "p99": p99,
        "requests": 500,
        "recorded": 520,
        "seconds": 20.0,
        "worker_restarts": 1,
        "pages": {"directory": {"requests": 500, "p50": p50, "p95": p99, "p99": p99}},
        "errors": errors or [],
        "cpu": {
            "busy": 0.9,
            "share": {"gunicorn": 0.5, "postgresql": 0.2, "locust": 0.15, "other": 0.05},
            "seconds": {},
            "server_seconds": cpu,
        },
    }


def load_figures(*, directory_rps: float, p99_at_32: float, errors: list[dict[str, Any]] | None = None) -> dict:
    runs = {
        "ping": [run(1, 400, 0.002, 0.004, cpu=2.6), run(32, 1000, 0.03, 0.05, cpu=2.6)],
        "citizen_cache_on": [run(1, 20, 0.05, 0.09), run(32, directory_rps, 0.3, p99_at_32, errors=errors)],
    }
    labels = {"ping": "/ping/", "citizen_cache_on": "citizen mix, page cache on"}
    load = {
        "levels": [1, 32],
        "labels": labels,
        "runs": runs,
        "knees": {key: stats.knee(mix_runs) for key, mix_runs in runs.items()},
        "config": {
            "gunicorn": ["config.wsgi", "--workers", "4"],
            "workers": 4,
            "cores": 2,
            "locust": "2.47.0",
            "run_seconds": 20,
            "ping_seconds": 10,
            "cap_x": 3,
            "budget": 5000,
            "warmup_seconds": 1.0,
            "clerks": 64,
            "provider_users": 64,
            "page_cache_setting": 60,
            "seconds": 480.0,
        },
    }
    load["goals"] = stats.goals(load)
    return load


def test_the_goals_are_judged_as_ratios_within_one_run() -> None:
    met = {goal: ok for goal, ok, _reason in load_figures(directory_rps=300, p99_at_32=0.2)["goals"]}
    missed = {goal: ok for goal, ok, _reason in load_figures(directory_rps=200, p99_at_32=0.3)["goals"]}

    share = "directory (citizen mix, page cache on) throughput at 32 users ≥ 25 % of /ping/'s"
    tail = "citizen mix, page cache on: p99 at 32 users ≤ 5× its single-user p50"
    assert met[share] and met[tail]  # 300 of 1,000 req/s; 200 ms ≤ 5 × 50 ms
    assert not missed[share] and not missed[tail]  # 200 of 1,000; 300 ms > 250 ms
    assert not any("/ping/: p99" in goal for goal in met)  # the baseline is no page anyone waits for


def test_a_missed_goal_says_why_with_the_figures_of_the_run() -> None:
    reasons = {goal: reason for goal, _ok, reason in load_figures(directory_rps=200, p99_at_32=0.3)["goals"]}

    share = reasons["directory (citizen mix, page cache on) throughput at 32 users ≥ 25 % of /ping/'s"]
    assert "200 req/s, 20 % of /ping/'s 1000 req/s" in share and "50.0 ms of CPU" in share and "5.0 ms" in share
    # 26 s of server CPU over 520 requests against /ping/'s 2.6 s: 50 ms against 5 ms a request
    assert "reaches at most 10 % of /ping/'s throughput" in share and "cost at most 20.0 ms" in share
    tail = reasons["citizen mix, page cache on: p99 at 32 users ≤ 5× its single-user p50"]
    assert "6.0× the single-user p50 of 50 ms" in tail and "4 gunicorn workers" in tail


def test_every_error_response_fails_the_last_goal_and_is_listed() -> None:
    throttled = [{"name": "API list", "status": 429, "error": "", "count": 3}]
    goals = load_figures(directory_rps=300, p99_at_32=0.2, errors=throttled)["goals"]
    goal, ok, reason = goals[-1]

    assert goal.startswith("no error responses") and not ok
    assert "3 of 2,080 requests" in reason and "3× API list → 429" in reason
    assert load_figures(directory_rps=300, p99_at_32=0.2)["goals"][-1][1]


def test_the_report_section_shows_each_level_the_knee_the_goals_and_the_errors() -> None:
    throttled = [{"name": "API list", "status": 429, "error": "", "count": 3}]
    text = "\n".join(load_section(load_figures(directory_rps=200, p99_at_32=0.3, errors=throttled)))

    assert "| 32 | citizen mix, page cache on | 200 | 20 % | 300 ms | 300 ms | 300 ms | 500 |" in text
    assert "| 32 | /ping/ | 1,000 | – |" in text
    assert "| 90 %: 50 / 20 / 15 / 5 | 1 | 3 |" in text  # CPU (busy, then each part's), recycled, errors
    assert "❌ directory (citizen mix, page cache on) throughput" in text
    assert "| citizen mix, page cache on | 32 | API list | 429 | 3 |" in text
    assert "--workers 4" in text and "no page cache setting" not in text


def test_the_server_runs_with_the_web_units_arguments_on_a_loopback_port_of_its_own(tmp_path: Path) -> None:
    unit = (Path(__file__).parents[1] / "deploy" / "systemd" / "carereg-web.service").read_text(encoding="utf-8")
    arguments = gunicorn_arguments(8123, tmp_path)

    for option in ("--workers", "--timeout", "--max-requests"):
        value = re.search(rf"{option} (\S+)", unit)
        assert value is not None and arguments[arguments.index(option) + 1] == value.group(1)
    # ${WEB_FORWARDED_ALLOW_IPS} as systemd fills it from the unit's Environment=: loopback.
    assert arguments[arguments.index("--forwarded-allow-ips") + 1] == "127.0.0.1"
    assert not any("$" in argument for argument in arguments)
    assert arguments[arguments.index("--bind") + 1] == "127.0.0.1:8123"
    assert arguments[arguments.index("--error-logfile") + 1] == str(tmp_path / "error.log")


# ------------------------------------------------------------------ Locust, live


NEEDS_LOCUST = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="Locust is not installed (requirements-bench.txt)"
)


@NEEDS_LOCUST
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_user_class_reaches_its_pages_without_an_error(live_server: Any, settings: Any, tmp_path: Path) -> None:
    # As in production: two-factor for staff, HTTPS told by the proxy, Secure cookies, one proxy.
    settings.STAFF_OTP_REQUIRED = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.NUM_PROXIES = 1
    call_command("load_reference_data", stdout=io.StringIO())
    generate(providers=150, residents=600, months=1, force=True)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(build_plan(clerks=1, providers=1, folder=tmp_path)), encoding="utf-8")

    everything = locust(
        live_server.url, plan, tmp_path / "all.json", ["PingUser", "CitizenUser", "ClerkUser", "ProviderUser"]
    )
    roster = locust(live_server.url, plan, tmp_path / "roster.json", ["ClerkUser"], "--tags", "roster")

    failed = [s for s in everything.samples + roster.samples if s.failed]
    assert not failed, failed[:5]
    reached = {(s.mix, s.name) for s in everything.samples}
    assert {("ping", "/ping/"), ("citizen", "directory"), ("citizen", "provider page")} <= reached
    assert {("clerk", "workbench"), ("portal", "provider page and submissions")} <= reached
    assert {s.name for s in roster.samples} == {"roster: upload form", "roster: upload", "roster: preview"}


def locust(host: str, plan: Path, samples: Path, classes: list[str], *options: str) -> Recorded:
    """Locust for a few seconds, one user of each class; what it recorded."""
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--loglevel",
        "ERROR",
        "--users",
        str(len(classes)),
        "--spawn-rate",
        str(len(classes)),
        "--run-time",
        "30s",
        "--seconds",
        "4",
        *options,  # before --host: --tags takes every word up to the next option
        "--host",
        host,
        "--plan",
        str(plan),
        "--samples",
        str(samples),
        *classes,
    ]
    done = subprocess.run(command, check=False, timeout=120, capture_output=True, text=True)  # noqa: S603
    recorded = stats.read_samples(samples)
    assert recorded.samples, done.stderr[-3000:]
    return recorded
