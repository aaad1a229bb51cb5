"""The soak's moderate, steady load: simulated citizens and clerks (threads, each with a
think time), and the background work a bureau gives its worker — monthly grant runs put
on the queue as beat puts them, and large residents rosters uploaded, checked and
imported through the back office by a clerk.

Every request is recorded (``browser.Recorder``); every grant run published and every
roster upload is remembered for the checks after the soak.
"""

from __future__ import annotations

import datetime
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .browser import Browser, Recorder, Response

# What a citizen does, with weights: the directory with its filters, provider pages, the
# open data API and CSV, the home page, the English directory.
DIRECTORY_FILTERS: list[dict[str, str]] = [
    {},
    {"kind": "elderly_institution"},
    {"league": "150200"},
    {"county": "150203", "page": "2"},
    {"min_grade": "3"},
    {"nursing": "on", "vacancies": "on"},
    {"fee_min": "1000", "fee_max": "5000"},
    {"q": "阳光"},
    {"operation_mode": "private", "sort": "-vacancies", "page": "3"},
]
CLERK_PAGES = {
    "clerk: workbench": "/admin/",
    "clerk: providers list": "/admin/registry/provider/",
    "clerk: residents list": "/admin/registry/resident/",
    "clerk: grant runs list": "/admin/subsidies/grantrun/",
    "clerk: roster imports list": "/admin/registry/rosterimport/",
}
IMPORT_PATH = "/admin/registry/resident/import/"
UPLOAD_ID = re.compile(r"/admin/registry/resident/import/(\d+)/$")
DIGEST_INPUT = re.compile(r'name="digest" value="([0-9a-f]*)"')
NOTICE = '<li class="warning">'  # why a confirmed import did not run (upload.notice)
POLL_SECONDS = 2
ATTEMPTS = 5  # times a clerk tries to sign in and open the upload form before giving up
FLOW_TIMEOUT = 600  # a roster flow gives up after this long (its upload is then checked as it stands)
GRANT_TASK = "subsidies.tasks.refresh_monthly_runs"


def citizen(browser: Browser, usccs: list[str], stop: threading.Event, rng: random.Random) -> None:
    actions: list[tuple[float, Callable[[], object]]] = [
        (4, lambda: browser.get("public: directory", "/providers/", rng.choice(DIRECTORY_FILTERS))),
        (3, lambda: browser.get("public: provider page", f"/providers/{rng.choice(usccs)}/")),
        (2, lambda: browser.get("open data: API list", "/api/providers/", {"page": str(rng.randint(1, 20))})),
        (2, lambda: browser.get("open data: API provider", f"/api/providers/{rng.choice(usccs)}/")),
        (1, lambda: browser.get("public: home", "/")),
        (1, lambda: browser.get("public: directory (English)", "/en/providers/", rng.choice(DIRECTORY_FILTERS))),
        (0.3, lambda: browser.get("open data: CSV", "/providers.csv")),
    ]
    weights = [w for w, _fn in actions]
    while not stop.is_set():
        rng.choices(actions, weights=weights)[0][1]()
        stop.wait(rng.uniform(0.5, 2.0))


def clerk(browser: Browser, username: str, password: str, stop: threading.Event, rng: random.Random) -> None:
    names = list(CLERK_PAGES)
    signed_in = False
    while not stop.is_set():
        if not signed_in:
            signed_in = browser.log_in(username, password)
            if not signed_in:
                stop.wait(2)
                continue
        name = rng.choice(names)
        answer = browser.get(name, CLERK_PAGES[name])
        if answer is not None and answer.status == 302 and "/login/" in answer.location:
            signed_in = False  # the session ended (it lives in the database): sign in again
        stop.wait(rng.uniform(1.0, 3.0))


# ------------------------------------------------------------------ background work


@dataclass
class GrantTask:
    period: str
    published: float  # seconds since the soak started
    task_id: str = ""  # empty: the broker refused it (nothing was started)
    error: str = ""
    purpose: str = "steady"


class GrantScheduler:
    """Puts ``refresh_monthly_runs(period)`` on the queue every ``interval`` seconds, as
    beat does on the first of a month, for each of the last ``months`` months in turn.
    A publication the broker refuses (Redis down) is recorded and not retried: beat does
    not retry a tick either."""

    def __init__(
        self, broker_url: str, recorder: Recorder, *, interval: float, months: int, today: datetime.date
    ) -> None:
        from celery import Celery

        self.app = Celery("soak-beat", broker=broker_url, set_as_current=False)
        self.app.conf.update(
            # Celery prefers the environment's CELERY_BROKER_URL to ``broker``: under make bench
            # that is the test services' Redis, where no worker of the soak listens. The write
            # URL is taken from the configuration first.
            broker_write_url=broker_url,
            task_serializer="json",
            broker_transport_options={"socket_connect_timeout": 2},
            task_publish_retry_policy={
                "max_retries": 2,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.5,
            },
            broker_connection_retry=False,
        )
        self.recorder = recorder
        self.interval = interval
        last = today.replace(day=1)
        self.periods = []
        for _n in range(months):
            last = (last - datetime.timedelta(days=1)).replace(day=1)
            self.periods.append(last.strftime("%Y-%m"))
        self.tasks: list[GrantTask] = []
        self._next = 0
        self._lock = threading.Lock()

    def publish(self, purpose: str = "steady") -> GrantTask:
        with self._lock:
            period = self.periods[self._next % len(self.periods)]
            self._next += 1
            task = GrantTask(period, self.recorder.now(), purpose=purpose)
            try:
                task.task_id = self.app.send_task(GRANT_TASK, args=[period]).id
            except Exception as error:  # whatever the broker raised, it refused the task
                task.error = f"{type(error).__name__}: {error}"[:300]
            self.tasks.append(task)
            return task

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            self.publish()


@dataclass
class RosterFlow:
    number: int
    marker: str
    rows: int
    started: float
    upload_id: int | None = None
    steps: list[tuple[float, str]] = field(default_factory=list)
    outcome: str = "running"


class RosterClerk:
    """A clerk who imports large residents rosters one after another through the back
    office: upload (checked on Celery), wait for the preview, confirm (imported on
    Celery), wait for the result. ``flow`` may also be run by another thread (a fault)."""

    def __init__(
        self, port: int, recorder: Recorder, rosters: list[dict[str, Any]], username: str, password: str, pause: float
    ) -> None:
        self.port, self.recorder, self.username, self.password = port, recorder, username, password
        self.rosters = list(rosters)
        self.pause = pause
        self.flows: list[RosterFlow] = []
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def next_roster(self) -> dict[str, Any] | None:
        with self._lock:
            return self.rosters.pop(0) if self.rosters else None

    def start_flow(self, roster: dict[str, Any]) -> None:
        """Run a flow on a thread of its own (a second tab of the clerk's)."""
        thread = threading.Thread(target=self.flow, args=(roster,), daemon=True)
        with self._lock:
            self.threads.append(thread)
        thread.start()

    def busy(self) -> bool:
        """Whether a flow is still under way (the clerk's own, or one started apart)."""
        with self._lock:
            return any(thread.is_alive() for thread in self.threads)

    def run(self, stop: threading.Event) -> None:
        with self._lock:
            self.threads.append(threading.current_thread())
        while not stop.is_set():
            roster = self.next_roster()
            if roster is None:
                return
            self.flow(roster)
            stop.wait(self.pause)

    def flow(self, roster: dict[str, Any]) -> RosterFlow:
        browser = Browser(self.port, "10.20.0.1", self.recorder)
        flow = RosterFlow(roster["number"], roster["marker"], roster["rows"], self.recorder.now())
        with self._lock:
            self.flows.append(flow)

        def step(what: str) -> None:
            flow.steps.append((round(self.recorder.now(), 1), what))

        form = None
        for _attempt in range(ATTEMPTS):  # a clerk whose page failed tries again a little later
            if browser.log_in(self.username, self.password):
                form = browser.get("clerk: roster upload", IMPORT_PATH)
                if form is not None and form.status == 200:
                    break
            time.sleep(POLL_SECONDS)
        if form is None or form.status != 200:
            flow.outcome = f"no upload form after {ATTEMPTS} attempts"
            return flow
        data = Path(roster["path"]).read_bytes()
        answer = browser.post_file(
            "clerk: roster upload",
            IMPORT_PATH,
            {"csrfmiddlewaretoken": browser.csrf_token(form)},
            "roster",
            Path(roster["path"]).name,
            data,
        )
        found = UPLOAD_ID.match(answer.location) if answer is not None and answer.status == 302 else None
        if found is None:
            flow.outcome = f"upload refused: {answer.status if answer else 'no answer'}"
            return flow
        flow.upload_id = int(found.group(1))
        step("uploaded")
        preview = f"{IMPORT_PATH}{flow.upload_id}/"
        page = self._wait(browser, preview, flow, "checked")
        if page is None:
            return flow
        digest = DIGEST_INPUT.search(page.text)
        if digest is None:
            flow.outcome = "rejected by the check"
            return flow
        confirmed = browser.post_form(
            "clerk: roster confirm",
            preview,
            {"csrfmiddlewaretoken": browser.csrf_token(page), "digest": digest.group(1)},
        )
        if confirmed is None or confirmed.status != 302:
            flow.outcome = f"confirm: {confirmed.status if confirmed else 'no answer'}"
            return flow
        step("confirmed")
        page = self._wait(browser, preview, flow, "imported")
        if page is not None:
            flow.outcome = "refused after confirming" if NOTICE in page.text else "failed"
        return flow

    def _wait(self, browser: Browser, preview: str, flow: RosterFlow, done: str) -> Response | None:
        """Poll the preview until the check (``done`` "checked") or the import ("imported")
        is over: the page then, or None when the flow ended (imported: the page sends the
        clerk to the list; or given up). Until a confirmed import starts, the preview still
        shows the button."""
        deadline = time.monotonic() + FLOW_TIMEOUT
        while time.monotonic() < deadline:
            page = browser.get("clerk: roster progress", preview)
            if page is not None and page.status == 302 and page.location.endswith("/admin/registry/resident/"):
                flow.steps.append((round(self.recorder.now(), 1), done))
                flow.outcome = "imported"
                return None
            if page is not None and page.status == 302 and "/login/" in page.location:
                browser.log_in(self.username, self.password)
            elif page is not None and page.status == 200 and 'id="roster-progress"' not in page.text:
                waiting_to_start = done == "imported" and DIGEST_INPUT.search(page.text) and NOTICE not in page.text
                if not waiting_to_start:
                    flow.steps.append((round(self.recorder.now(), 1), done))
                    return page
            time.sleep(POLL_SECONDS)
        flow.outcome = f"still waiting after {FLOW_TIMEOUT} s"
        return None
