"""The soak's own stack, which it may break: a throwaway PostgreSQL 15 and Redis on free
loopback ports, gunicorn with ``config.settings.prod``, one Celery worker and one beat.

Set up as ``scripts/smoke.sh`` does: PostgreSQL with password authentication, an owner
role that migrates and an application role the services connect as; secrets in files
(``*_FILE``); the demo loaded with the development settings into the same database (the
only way to get the demo clerks), then a little scale data on top so that a grant run
lasts long enough to be interrupted. As root, PostgreSQL runs as user "nobody".

Redis is configured as docs/deploy.md asks of production (``appendonly yes``,
``maxmemory-policy noeviction``), so that a restart keeps the queued and unacknowledged
tasks. The worker connects with ``application_name=carereg-soak-worker`` so that the soak
can see in ``pg_stat_activity`` and ``pg_locks`` what it is doing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
WORKER_APP_NAME = "carereg-soak-worker"
DEMO_USER = "clerk_baotou"  # the demo's city-level clerk (demo/baotou.py)
DEMO_PASSWORD = "demo-Pass-2026"  # the published demo password (demo/baotou.py)
# An unacknowledged task of a killed worker is delivered again after this many seconds.
# Production waits 2 hours (above the 30-minute task limit); the soak's tasks last seconds,
# and it must see the redelivery within minutes. It checks that no task lasted this long.
VISIBILITY_TIMEOUT = 45
GUNICORN_WORKERS = 4  # as deploy/systemd/carereg-web.service
WORKER_CONCURRENCY = 2  # as deploy/systemd/carereg-worker.service

Say = Callable[[str], None]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> float:
    """Poll ``predicate``; the monotonic time it first held. RuntimeError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(interval)
    raise RuntimeError(f"soak: timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Proc:
    """A process the soak started, in a process group of its own, logging to ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    started: float

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 30) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the process and everything in its group (a worker and its pool)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)


class Stack:
    """Everything the soak runs, under one temporary folder deleted by ``close``."""

    def __init__(self, say: Say, *, keep: bool = False) -> None:
        self.say = say
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="carereg-soak."))
        self.tmp.chmod(0o755)
        for name in ("pgdata", "run", "logs", "media", "backups", "secrets", "redis", "rosters"):
            (self.tmp / name).mkdir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.tmp / "pgdata", "nobody")
            shutil.chown(self.tmp / "run", "nobody")
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.redis: Proc | None = None
        self.web: Proc | None = None
        self.worker: Proc | None = None
        self.beat: Proc | None = None
        self.workers_started = 0
        self.db_password = secrets.token_urlsafe(24)
        self.owner_password = secrets.token_urlsafe(24)

    # ------------------------------------------------------------------ helpers

    def log(self, name: str) -> Path:
        return self.tmp / "logs" / name

    def _as_pg(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "nobody", "--", *command] if self.as_root else command

    def _pg(self, *args: str, timeout: float = 120) -> None:
        command = self._as_pg([str(PG_BIN / "pg_ctl"), "-D", str(self.tmp / "pgdata"), *args])
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)  # noqa: S603

    def _pg_start_options(self) -> str:
        return f"-h 127.0.0.1 -p {self.pg_port} -k {self.tmp / 'run'} {PG_SETTINGS}"

    def database_url(self, *, owner: bool = False, app_name: str = "") -> str:
        role, password = ("carereg_owner", self.owner_password) if owner else ("carereg", self.db_password)
        query = f"?application_name={app_name}" if app_name else ""
        return f"postgres://{role}:{password}@127.0.0.1:{self.pg_port}/carereg{query}"

    def superuser_dsn(self, database: str = "carereg") -> str:
        return f"host={self.tmp / 'run'} port={self.pg_port} user=postgres dbname={database}"

    def env(self, settings: str = "config.settings.prod", database_url_file: str = "database_url") -> dict[str, str]:
        """The environment of the services: production settings, secrets in files."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "REDIS_"))}
        for name in ("SECRET_KEY", "PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY", "INTEGRITY_KEY"):
            env.pop(name, None)
        secrets_dir = self.tmp / "secrets"
        env.update(
            DJANGO_SETTINGS_MODULE=settings,
            SECRET_KEY_FILE=str(secrets_dir / "secret_key"),
            DATABASE_URL_FILE=str(secrets_dir / database_url_file),
            DATABASE_APP_ROLE="carereg",
            PERSONAL_DATA_KEYS_FILE=str(secrets_dir / "personal_data_keys"),
            PERSONAL_DATA_HASH_KEY_FILE=str(secrets_dir / "personal_data_hash_key"),
            INTEGRITY_KEY_FILE=str(secrets_dir / "integrity_key"),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{self.web_port}",
            SECURE_SSL_REDIRECT="0",
            STAFF_OTP_REQUIRED="0",
            NUM_PROXIES="1",
            # Each simulated citizen has an address of its own (X-Forwarded-For); the public
            # rate limit is raised so that a busy simulated citizen is never refused.
            PUBLIC_RATE_LIMIT="100000",
            CELERY_BROKER_URL=self.broker_url,
            REDIS_CACHE_URL=f"redis://127.0.0.1:{self.redis_port}/1",
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            CELERY_UNACKED_RESTORE_INTERVAL="5",
            CELERY_UNACKED_RESTORE_THROTTLE="1",
            MEDIA_ROOT=str(self.tmp / "media"),
            BACKUP_DIR=str(self.tmp / "backups"),
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT="25",
            PG_BIN_DIR=str(PG_BIN),
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    @property
    def broker_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def manage(
        self, *args: str, settings: str = "config.settings.prod", owner: bool = False, timeout: float = 900
    ) -> str:
        """Run ``manage.py`` with the soak's settings; its output, or RuntimeError."""
        env = self.env(settings, "database_owner_url" if owner else "database_url")
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def python(self, *args: str, settings: str = "config.settings.prod", timeout: float = 900) -> str:
        """Run a script of ours with the soak's settings; its standard output."""
        env = self.env(settings)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Proc:
        log = self.log(f"{name}.log")
        with log.open("ab") as output:
            popen = subprocess.Popen(  # noqa: S603 - our own programs
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        return Proc(name, popen, log, time.monotonic())

    # ------------------------------------------------------------------ services

    def start_postgres(self) -> None:
        password_file = self.tmp / "pgpass-superuser"
        password_file.write_text(secrets.token_urlsafe(24) + "\n", encoding="ascii")
        password_file.chmod(0o644)
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.tmp / "pgdata"), "-U", "postgres", "--auth-local=trust"]
        initdb += ["--auth-host=scram-sha-256", f"--pwfile={password_file}", "-E", "UTF8", "--locale=C.UTF-8"]
        subprocess.run(self._as_pg(initdb), check=True, capture_output=True, timeout=120)  # noqa: S603
        self._pg("-l", str(self.tmp / "run" / "pg.log"), "-w", "-t", "60", "-o", self._pg_start_options(), "start")
        import psycopg

        with psycopg.connect(self.superuser_dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE carereg_owner LOGIN PASSWORD '{self.owner_password}'")
            conn.execute(f"CREATE ROLE carereg LOGIN CREATEDB PASSWORD '{self.db_password}'")
            conn.execute("CREATE DATABASE carereg OWNER carereg_owner")

    def restart_postgres(self) -> None:
        """``pg_ctl restart -m fast``: every connection is cut, the server comes back."""
        self._pg(
            "-l",
            str(self.tmp / "run" / "pg.log"),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "-o",
            self._pg_start_options(),
            "restart",
        )

    def start_redis(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.tmp / "redis"),
        ]
        command += [
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
        ]
        self.redis = self._spawn("redis", command, dict(os.environ))
        wait_until(lambda: redis_answers(self.redis_port), 20, "Redis")

    def stop_redis(self) -> None:
        """A clean stop (SIGTERM: Redis writes its append-only file and exits)."""
        if self.redis is not None:
            self.redis.stop(timeout=30)

    def write_secrets(self) -> None:
        from cryptography.fernet import Fernet

        folder = self.tmp / "secrets"
        values = {
            "secret_key": secrets.token_urlsafe(50),
            "personal_data_keys": Fernet.generate_key().decode(),
            "personal_data_hash_key": secrets.token_hex(32),
            "integrity_key": secrets.token_hex(32),
            "database_url": self.database_url(),
            "database_owner_url": self.database_url(owner=True),
            "worker_database_url": self.database_url(app_name=WORKER_APP_NAME),
        }
        for name, value in values.items():
            (folder / name).write_text(value + "\n", encoding="utf-8")
            (folder / name).chmod(0o600)

    def prepare(self, *, providers: int, residents: int) -> dict[str, float]:
        """Migrate, load the reference data, the demo and a little scale data; collect the
        static files. Seconds per step."""
        steps: dict[str, float] = {}

        def step(name: str, fn: Callable[[], object]) -> None:
            started = time.monotonic()
            fn()
            steps[name] = time.monotonic() - started
            self.say(f"  {name}: {steps[name]:.0f} s")

        step("migrate", lambda: self.manage("migrate", "--noinput", owner=True))
        step("reference data", lambda: self.manage("load_reference_data"))
        step("demo", lambda: self.manage("seed_demo", settings="config.settings.dev"))
        if providers:
            step(
                "scale data",
                lambda: self.manage(
                    "generate_scale_data",
                    f"--providers={providers}",
                    f"--residents={residents}",
                    "--months=24",
                    "--force",
                    settings="config.settings.dev",
                    owner=True,
                ),
            )
        step("collectstatic", lambda: self.manage("collectstatic", "--noinput"))
        return steps

    # ------------------------------------------------------------------ application processes

    def start_web(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.web_port}"]
        command += ["--workers", str(GUNICORN_WORKERS), "--timeout", "120", "--graceful-timeout", "30"]
        # deploy/systemd recycles a worker every 2000 ± 200 requests; the soak does not, so
        # that a leak shows as growth instead of being reset.
        command += ["--max-requests", "0", "--forwarded-allow-ips", "127.0.0.1", "--no-control-socket"]
        command += ["--access-logfile", str(self.log("access.log")), "--error-logfile", "-"]
        self.web = self._spawn("gunicorn", command, self.env())

        def up() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.web_port), timeout=1):
                    return True
            except OSError:
                return False

        wait_until(up, 90, "gunicorn")

    def start_worker(self) -> Proc:
        self.workers_started += 1
        name = f"worker-{self.workers_started}"
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO"]
        command += [f"--concurrency={WORKER_CONCURRENCY}", f"--hostname=soak{self.workers_started}@%h"]
        worker = self._spawn(name, command, self.env(database_url_file="worker_database_url"))
        self.worker = worker
        return worker

    def worker_ready(self, worker: Proc) -> bool:
        return " ready." in worker.text()

    def start_beat(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"]
        command += ["--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
        command += ["--pidfile", str(self.tmp / "run" / "beat.pid")]
        self.beat = self._spawn("beat", command, self.env())

    def gunicorn_workers(self) -> list[int]:
        return children(self.web.pid) if self.web is not None else []

    def celery_processes(self) -> list[int]:
        if self.worker is None or not self.worker.alive():
            return []
        return [self.worker.pid, *children(self.worker.pid)]

    # ------------------------------------------------------------------ the end

    def alive(self) -> dict[str, str]:
        """Each application process: "running", or how it ended."""
        return {
            name: "running" if proc.alive() else f"exited ({proc.popen.returncode})"
            for name, proc in (("gunicorn", self.web), ("Celery worker", self.worker), ("beat", self.beat))
            if proc is not None
        }

    def save_logs(self, folder: Path) -> Path:
        """Copy the logs (and PostgreSQL's) under ``folder``, named by this stack; where."""
        target = folder / self.tmp.name
        shutil.copytree(self.tmp / "logs", target, dirs_exist_ok=True)
        with contextlib.suppress(OSError):
            shutil.copy(self.tmp / "run" / "pg.log", target / "postgresql.log")
        return target

    def close(self) -> None:
        for proc in (self.beat, self.worker, self.web, self.redis):
            if proc is not None:
                proc.stop(timeout=20)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._pg("-m", "immediate", "stop", timeout=60)
        if self.keep:
            self.say(f"soak: logs kept in {self.tmp / 'logs'}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int | None:
    """VmRSS of ``pid`` in KiB, None if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
