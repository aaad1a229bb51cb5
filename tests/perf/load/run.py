"""The load section of ``make bench`` (issue 20): gunicorn with the production settings on
loopback, Locust against it at 1, 8, 32 and 64 concurrent users.

- **Server**: gunicorn with the arguments of ``deploy/systemd/carereg-web.service`` (its
  workers and time-outs; only the address and the log files change), the production
  settings (``config.settings.prod``, secrets read from ``*_FILE`` as in production,
  two-factor on, HTTPS redirect on), the bench's PostgreSQL database and Redis (the cache:
  sessions stay in the database, rate limits in Redis), ``NUM_PROXIES=1``. The personal-data
  keys are the ones the scale data was written with.
- **Clients**: Locust (``locustfile.py``), one process per run, sending what nginx would
  add: ``X-Forwarded-Proto: https`` and each client's address in ``X-Forwarded-For``.
- **Runs**, each bounded by a request budget and a time cap, in this order: the citizen mix
  with the page cache off (``PUBLIC_CACHE_SECONDS=0``), then gunicorn restarted with the
  cache at its default: ``/ping/``, the citizen mix, the clerk mix and the provider-portal
  mix, each at every level.

Locust runs on the same two cores as gunicorn and PostgreSQL: every run records the
machine's CPU (``/proc/stat``) and Locust's own (its rusage), which the report shows.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perf.load import cpu, stats

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
SERVICE = ROOT / "deploy" / "systemd" / "carereg-web.service"
LEVELS = (1, 8, 32, 64)
RUN_SECONDS = 20  # a run's length (ping: half) …
CAP_X = 3  # … up to 3× as long while fewer than 50 requests were measured (stats.MIN_REQUESTS_PER_P95)
RUN_BUDGET = 5_000  # request budget of a run
LABELS = {
    "ping": "/ping/",
    "citizen_cache_off": "citizen mix, page cache off",
    "citizen_cache_on": "citizen mix, page cache on",
    "clerk": "clerk mix",
    "portal": "provider-portal mix",
}
USER_CLASSES = {
    "ping": "PingUser",
    "citizen_cache_off": "CitizenUser",
    "citizen_cache_on": "CitizenUser",
    "clerk": "ClerkUser",
    "portal": "ProviderUser",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn_arguments(port: int, logs: Path) -> list[str]:
    """``ExecStart`` of the web unit, with this address and log files instead of its own."""
    text = SERVICE.read_text(encoding="utf-8").replace("\\\n", " ")
    command = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    # ${NAME} as systemd fills it from the unit's own Environment= (carereg.env may override
    # them on a machine; the bench keeps the unit's loopback defaults).
    defaults: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("Environment="):
            defaults.update(pair.split("=", 1) for pair in shlex.split(line.removeprefix("Environment=")))
    command = re.sub(r"\$\{(\w+)\}", lambda name: defaults.get(name.group(1), name.group(0)), command)
    argv = shlex.split(command.removeprefix("ExecStart="))[1:]
    replace = {
        "--bind": f"127.0.0.1:{port}",
        "--access-logfile": str(logs / "access.log"),
        "--error-logfile": str(logs / "error.log"),
    }
    return [replace.get(argv[n - 1], arg) if n else arg for n, arg in enumerate(argv)]


def workers(arguments: list[str]) -> int:
    return int(arguments[arguments.index("--workers") + 1]) if "--workers" in arguments else 1


def server_environment(work: Path, port: int) -> dict[str, str]:
    """The production settings as ``deploy/carereg.env.example`` sets them, for this bench."""
    from django.conf import settings

    folder = work / "secrets"
    folder.mkdir(mode=0o700)
    values = {
        "secret_key": secrets.token_urlsafe(50),
        "database_url": os.environ["DATABASE_URL"],  # the bench database (bench.setup_django)
        # The keys the scale data was written with (the bench's settings), else no ID number reads.
        "personal_data_keys": ",".join(settings.PERSONAL_DATA_KEYS),
        "personal_data_hash_key": settings.PERSONAL_DATA_HASH_KEY,
        "integrity_key": settings.INTEGRITY_KEY,
    }
    for name, value in values.items():
        (folder / name).write_text(value + "\n", encoding="utf-8")
        (folder / name).chmod(0o600)
    redis = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "PUBLIC_CACHE_SECONDS"}}
    (work / "media").mkdir()
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        **{f"{name.upper()}_FILE": str(folder / name) for name in values},
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "NUM_PROXIES": "1",
        "STAFF_OTP_REQUIRED": "1",
        "SECURE_SSL_REDIRECT": "1",
        "CELERY_BROKER_URL": redis,
        "REDIS_CACHE_URL": redis.rsplit("/", 1)[0] + "/1",
        "MEDIA_ROOT": str(work / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def answers(port: int) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/ping/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, logs: Path) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn, serving until the block ends; stopped as systemd stops it (TERM, then KILL)."""
    arguments = gunicorn_arguments(port, logs)
    binary = str(Path(sys.executable).with_name("gunicorn"))
    with open(logs / "gunicorn.out", "ab") as out:
        process = subprocess.Popen([binary, *arguments], cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = logs / "error.log"
                raise RuntimeError(f"gunicorn did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def service_pids(redis_url: str) -> dict[str, int]:
    """The PostgreSQL postmaster serving the bench (the parent of this connection's backend)
    and the Redis server, whose CPU each run reports."""
    from django.db import connection

    pids = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        postmaster = cpu.parent_of(int(cursor.fetchone()[0]))
    if postmaster is not None:
        pids["postgresql"] = postmaster
    import redis

    pids["redis"] = int(redis.Redis.from_url(redis_url).info("server")["process_id"])
    return pids


@dataclass(frozen=True)
class Run:
    key: str
    users: int
    seconds: int
    budget: int


def workers_booted(logs: Path) -> int:
    """gunicorn's "Booting worker" lines so far (both servers write the same error log)."""
    log = logs / "error.log"
    return log.read_text(errors="replace").count("Booting worker with pid") if log.exists() else 0


def locust(run: Run, base: str, plan: Path, work: Path, pids: dict[str, int]) -> dict[str, Any]:
    """One Locust run; its summary, with the CPU the machine, ``pids`` and Locust used."""
    samples = work / f"samples-{run.key}-{run.users}.json"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--loglevel",
        "ERROR",
        "--users",
        str(run.users),
        "--spawn-rate",
        str(run.users * 10),
        "--run-time",
        f"{run.seconds * CAP_X}s",
        "--seconds",
        str(run.seconds),
        "--min-requests",
        str(stats.MIN_REQUESTS_PER_P95),
        "--warmup",
        str(stats.WARMUP_SECONDS),
        "--stop-timeout",
        "0",
        "--host",
        base,
        "--plan",
        str(plan),
        "--samples",
        str(samples),
        "--max-requests",
        str(run.budget),
        USER_CLASSES[run.key],
    ]
    booted = workers_booted(work / "logs")
    before = cpu.snapshot(pids)
    timeout = run.seconds * CAP_X + 120
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    after = cpu.snapshot(pids)
    if not samples.exists():
        raise RuntimeError(f"Locust wrote no samples ({run.key}, {run.users} users): {done.stderr[-3000:]}")
    recorded = stats.read_samples(samples)
    summary = stats.summarise(recorded)
    summary.update(
        users=run.users,
        seconds=recorded.ended - recorded.started,
        # Workers gunicorn started during the run: those --max-requests recycled (or that died).
        worker_restarts=workers_booted(work / "logs") - booted,
        cpu=cpu.used(before, after),
    )
    return summary


def prepare(env: dict[str, str], work: Path, users: int) -> Path:
    """The plan of ``prepare.py``, run with the server's settings (fresh sessions)."""
    plan = work / "plan.json"
    command = [
        sys.executable,
        str(HERE / "prepare.py"),
        "--out",
        str(plan),
        "--folder",
        str(work),
        "--clerks",
        str(users),
        "--providers",
        str(users),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"prepare.py failed: {done.stderr[-3000:]}")
    return plan


def collectstatic(env: dict[str, str]) -> None:
    """The manifest the production storage reads (``STATIC_ROOT``, as the deploy step makes it)."""
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


def run_load(
    say: Callable[[str], None],
    *,
    levels: tuple[int, ...] = LEVELS,
    seconds: int = RUN_SECONDS,
    budget: int = RUN_BUDGET,
) -> dict[str, Any]:
    """Every run of the load section, its figures, the knees and the goals."""
    if importlib.util.find_spec("locust") is None:
        raise RuntimeError("Locust is not installed: pip install -r requirements-bench.txt, or bench.py --skip-load")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="carereg-load-") as folder:
        work = Path(folder)
        logs = work / "logs"
        logs.mkdir()
        env = server_environment(work, port)
        arguments = gunicorn_arguments(port, logs)
        say(f"  gunicorn {' '.join(arguments)} (config.settings.prod)")
        collectstatic(env)
        services = service_pids(env["CELERY_BROKER_URL"])

        def measure(key: str, run_seconds: int, plan: Path, server: subprocess.Popen[bytes]) -> None:
            pids = {"gunicorn": server.pid, **services}
            for users in levels:
                summary = locust(Run(key, users, run_seconds, budget), base, plan, work, pids)
                runs.setdefault(key, []).append(summary)
                say(
                    f"  {LABELS[key]:<30} {users:>3} users: {summary['rps']:7.1f} req/s, "
                    f"p50 {stats.ms(summary['p50'])}, p95 {stats.ms(summary['p95'])}, "
                    f"p99 {stats.ms(summary['p99'])} ({summary['requests']} requests, "
                    f"{sum(e['count'] for e in summary['errors'])} errors)"
                )

        with gunicorn({**env, "PUBLIC_CACHE_SECONDS": "0"}, port, logs) as server:
            plan = prepare(env, work, max(levels))
            measure("citizen_cache_off", seconds, plan, server)
        with gunicorn(env, port, logs) as server:
            measure("ping", max(seconds // 2, 1), plan, server)
            measure("citizen_cache_on", seconds, plan, server)
            plan = prepare(env, work, max(levels))  # fresh sessions: the idle timeout is 15 minutes
            measure("clerk", seconds, plan, server)
            measure("portal", seconds, plan, server)
        accounts = json.loads(plan.read_text(encoding="utf-8"))
    load: dict[str, Any] = {
        "levels": list(levels),
        "labels": {key: LABELS[key] for key in runs},
        "runs": runs,
        "knees": {key: stats.knee(mix_runs) for key, mix_runs in runs.items()},
        "config": {
            "gunicorn": arguments,
            "workers": workers(arguments),
            "cores": os.cpu_count(),
            "locust": importlib.metadata.version("locust"),  # never imported here: it patches the process
            "run_seconds": seconds,
            "cap_x": CAP_X,
            "ping_seconds": max(seconds // 2, 1),
            "budget": budget,
            "warmup_seconds": stats.WARMUP_SECONDS,
            "clerks": len(accounts["clerks"]),
            "provider_users": len(accounts["providers"]),
            "page_cache_setting": accounts.get("page_cache_seconds"),
            "seconds": time.monotonic() - started,
        },
    }
    load["goals"] = stats.goals(load)
    return load
