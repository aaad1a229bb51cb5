"""The load section of ``docs/performance.md`` (issue 20), from ``tests/perf/load/run.py``'s figures."""

from __future__ import annotations

from typing import Any

from perf.load.stats import GOAL_LEVEL, KNEE_GROWTH, KNEE_LATENCY, MIN_REQUESTS_PER_P95, ms

CPU_PARTS = ("gunicorn", "postgresql", "locust", "other")


def _rps(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _share(run: dict[str, Any], ping: dict[str, Any] | None) -> str:
    if ping is None or not ping["rps"] or run is ping:
        return "–"
    return f"{run['rps'] / ping['rps'] * 100:.0f} %"


def _option(arguments: list[str], name: str) -> str:
    return arguments[arguments.index(name) + 1] if name in arguments[:-1] else "–"


def _cpu(cpu: dict[str, Any]) -> str:
    parts = " / ".join(f"{cpu['share'].get(part, 0) * 100:.0f}" for part in CPU_PARTS)
    return f"{cpu['busy'] * 100:.0f} %: {parts}"


def load_section(load: dict[str, Any]) -> list[str]:
    config, runs, labels = load["config"], load["runs"], load["labels"]
    lines: list[str] = []
    out = lines.append
    workers = config["workers"]
    out("## Under load (issue 20)")
    out("")
    out(
        f"`tests/perf/load/` (`make bench`, after the data above exists; {config['seconds'] / 60:.1f} minutes): "
        "gunicorn started with the arguments of `deploy/systemd/carereg-web.service` "
        f"(`{' '.join(config['gunicorn'])}`: "
        f"{workers} sync workers, one request each), `config.settings.prod` with its secrets in `*_FILE` files, "
        "two-factor and the HTTPS redirect on, PostgreSQL and Redis on loopback (Redis holds the cache and the rate "
        "limits). Locust "
        f"{config['locust']} (`tests/perf/load/locustfile.py`) sends what the nginx site adds, `X-Forwarded-Proto: "
        "https` and the client's address in `X-Forwarded-For` (`NUM_PROXIES=1`): each citizen visit (5 to 15 "
        "requests) comes from a new address, so the open data's per-address rate limit stays as in production. "
        "Clerks and provider users are signed in with sessions opened on the server with the second factor proved "
        f"(`tests/perf/load/prepare.py`: {config['clerks']} district clerks, {config['provider_users']} provider "
        "users); nobody's security setting is changed."
    )
    out("")
    out(
        f"Each run: one user class at one level, every user sending its next request as soon as the last is "
        f"answered, for {config['run_seconds']} s (/ping/: {config['ping_seconds']} s), longer while fewer than "
        f"{MIN_REQUESTS_PER_P95} requests were measured but never more than {config['cap_x']}× as long, and never "
        f"more than {config['budget']:,} requests; the first {config['warmup_seconds']:.0f} s "
        "are not measured (errors in them count). Throughput is the requests measured over the time to the last "
        f"answer. A p95 is shown only from {MIN_REQUESTS_PER_P95} requests or more, a p99 from "
        f"{2 * MIN_REQUESTS_PER_P95}; the *requests* column says how many each row has. **Locust runs on the same "
        f"{config['cores']} cores** as gunicorn and PostgreSQL, and the machine is shared with other work: the *CPU* "
        f"column is the share of the {config['cores']} cores busy during the run (100 %: all of them all the time), "
        "then, in points of it, gunicorn's (its workers included), PostgreSQL's, Locust's and what other processes "
        "took (`tests/perf/load/cpu.py`; Redis's share is in the raw figures). *Workers recycled*: workers "
        f"gunicorn started during the run, as `--max-requests {_option(config['gunicorn'], '--max-requests')}` "
        "makes it do; a new worker loads Django before it answers."
    )
    if config.get("page_cache_setting") is None:
        out("")
        out(
            "This code has no page cache setting (`PUBLIC_CACHE_SECONDS`): the two citizen runs (cache off and on) "
            "measured the same configuration."
        )
    out("")
    out("### Goals")
    out("")
    for goal, met, figure in load["goals"]:
        out(f"- {'✅' if met else '❌'} {goal}: **{'met' if met else 'not met'}**; {figure}")
    out("")
    out("### Throughput and latency by level")
    out("")
    out(
        "| users | mix | req/s | share of /ping/'s | p50 | p95 | p99 | requests "
        "| CPU busy: gunicorn / PostgreSQL / Locust / other | workers recycled | errors |"
    )
    out("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for users in load["levels"]:
        ping = next((run for run in runs.get("ping", []) if run["users"] == users), None)
        for key, mix_runs in runs.items():
            run = next((r for r in mix_runs if r["users"] == users), None)
            if run is None:
                continue
            out(
                f"| {users} | {labels[key]} | {_rps(run['rps'])} | {_share(run, ping)} | {ms(run['p50'])} "
                f"| {ms(run['p95'])} | {ms(run['p99'])} | {run['requests']:,} | {_cpu(run['cpu'])} "
                f"| {run['worker_restarts']} | {sum(e['count'] for e in run['errors'])} |"
            )
    out("")
    out("### The knee")
    out("")
    out(
        f"The last level before one whose throughput is less than {KNEE_GROWTH:.2f}× as high while its p95 is "
        f"more than {KNEE_LATENCY}× as high (levels measured: {', '.join(str(n) for n in load['levels'])})."
    )
    out("")
    for key, found in load["knees"].items():
        out(f"- **{labels[key]}**: {found['text']}")
    out("")
    out(f"### Pages at {GOAL_LEVEL} users")
    out("")
    out("| mix | page | requests | p50 | p95 |")
    out("| --- | --- | --- | --- | --- |")
    for key, mix_runs in runs.items():
        run = next((r for r in mix_runs if r["users"] == GOAL_LEVEL), None)
        for name, page in (run or {}).get("pages", {}).items():
            out(f"| {labels[key]} | {name} | {page['requests']:,} | {ms(page['p50'])} | {ms(page['p95'])} |")
    out("")
    failed = [
        (labels[key], run["users"], e) for key, mix_runs in runs.items() for run in mix_runs for e in run["errors"]
    ]
    out("### Errors")
    out("")
    if not failed:
        out("None: every request of every run was answered 2xx or 3xx, each redirect where the page makes one.")
    else:
        out("| mix | users | page | status | count | message |")
        out("| --- | --- | --- | --- | --- | --- |")
        for label, users, e in failed:
            message = e["error"].replace("|", "\\|")
            out(f"| {label} | {users} | {e['name']} | {e['status'] or 'no answer'} | {e['count']} | {message} |")
    out("")
    return lines
