"""The load test's users (issue 20), for Locust: ``tests/perf/load/run.py`` (``make bench``)
runs one class at a time, headless, at 1, 8, 32 and 64 concurrent users.

- ``PingUser``: ``/ping/`` only, the baseline (the middleware and a worker, nothing else).
- ``CitizenUser``: the public directory as citizens use it: the list with the filters a
  citizen sets (division, kind, grade, childcare mode, fee bounds, keyword, page), provider
  pages, a county's CSV, the API list and records. Each visit (5 to 15 requests) comes from a
  new address, as many citizens behind one nginx do (``X-Forwarded-For``, ``NUM_PROXIES=1``),
  so the per-address rate limit of the open data applies as in production.
- ``ClerkUser``: a district clerk signed in with the second factor: the workbench, the
  providers and residents lists filtered or searched, and a roster's import preview (the
  upload form, the upload, the preview; never confirmed).
- ``ProviderUser``: a provider user in the portal: the portal's home (which leads to the
  provider's page and its list of submissions) and a submission's page.

Every user waits for each answer and sends the next request at once (no think time), so
N users keep N requests in flight. Requests go to gunicorn directly, with the headers the
nginx site adds (``X-Forwarded-Proto: https``, ``X-Forwarded-For``). Redirects are not
followed: a redirect a page should not make (to the login or verify page) is a failure.

Options (besides Locust's): ``--plan`` (what ``prepare.py`` wrote), ``--samples`` (where each
request's figures go, as JSON, when Locust quits), ``--max-requests`` (the request budget),
``--seconds``, ``--min-requests`` and ``--warmup``: a run stops at the budget, or after
``--seconds`` once ``--min-requests`` requests begun after the warm-up were answered, or at
Locust's ``--run-time``, whichever comes first.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import string
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, constant, events, tag, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_ALPHABET = string.ascii_letters + string.digits  # django.middleware.csrf's
VISIT_REQUESTS = (5, 15)  # a citizen's requests per visit, from one address
RESIDENT_SURNAMES = "王李张刘赵杨高郭"  # demo.people.SURNAMES: what a clerk types to find a resident


class Recorder:
    """Each request's figures, kept in memory and written when Locust quits; and when to
    stop: at the request budget, or once the run lasted ``seconds`` and at least
    ``min_requests`` were measured (begun after the warm-up). Locust's ``--run-time`` is
    the hard cap."""

    def __init__(self) -> None:
        self.samples: list[list[Any]] = []
        self.started = time.time()
        self.environment: Environment | None = None
        self.budget = 0
        self.seconds = 0.0
        self.min_requests = 0
        self.warmup = 0.0
        self.measured = 0
        self.stopping = False

    def start(self) -> None:
        self.started = time.time()
        if self.seconds > 0:  # else only the budget and --run-time stop the run
            gevent.spawn(self.watch)

    def record(self, mix: str, name: str, started: float, seconds: float, status: int, error: str) -> None:
        self.samples.append([mix, name, started, seconds, status, error])
        self.measured += started >= self.started + self.warmup
        if self.budget and len(self.samples) >= self.budget:
            self.stop()

    def watch(self) -> None:
        while not self.stopping:
            gevent.sleep(0.2)
            if time.time() - self.started >= self.seconds and self.measured >= self.min_requests:
                self.stop()

    def stop(self) -> None:
        if not self.stopping and self.environment is not None and self.environment.runner is not None:
            self.stopping = True
            gevent.spawn(self.environment.runner.quit)  # not from inside a user's own greenlet

    def write(self, path: str) -> None:
        document = {"started": self.started, "ended": time.time(), "samples": self.samples}
        Path(path).write_text(json.dumps(document), encoding="utf-8")


RECORDER = Recorder()
PLAN: dict[str, Any] = {}
USERS = itertools.count()  # the n-th user of a run: its random seed and its seat in the plan


@events.init_command_line_parser.add_listener
def _options(parser: LocustArgumentParser) -> None:
    parser.add_argument("--plan", default="", help="the plan prepare.py wrote (JSON)")
    parser.add_argument("--samples", default="", help="where each request's figures go (JSON)")
    parser.add_argument("--max-requests", type=int, default=0, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: at --run-time) …")
    parser.add_argument("--min-requests", type=int, default=0, help="… once this many were measured")
    parser.add_argument("--warmup", type=float, default=0, help="seconds not measured at the start")


@events.init.add_listener
def _init(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    RECORDER.environment = environment
    if options is not None:
        RECORDER.budget = int(options.max_requests)
        RECORDER.seconds = float(options.seconds)
        RECORDER.min_requests = int(options.min_requests)
        RECORDER.warmup = float(options.warmup)
        if options.plan:
            PLAN.update(json.loads(Path(options.plan).read_text(encoding="utf-8")))


@events.test_start.add_listener
def _start(**_kwargs: Any) -> None:
    RECORDER.start()


@events.request.add_listener
def _request(
    name: str, response_time: float, response: Any, context: dict[str, Any], exception: Any, **kwargs: Any
) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    started = float(kwargs.get("start_time") or time.time() - response_time / 1000)
    error = f"{type(exception).__name__}: {exception}"[:300] if exception else ""
    RECORDER.record(str(context.get("mix", "")), name, started, response_time / 1000, status, error)


@events.quitting.add_listener
def _quitting(environment: Environment, **_kwargs: Any) -> None:
    if environment.parsed_options is not None and environment.parsed_options.samples:
        RECORDER.write(environment.parsed_options.samples)


class LoadUser(FastHttpUser):
    """A user behind the nginx site: HTTPS as nginx tells Django, and one client address."""

    abstract = True
    wait_time = constant(0)
    mix = ""

    def on_start(self) -> None:
        self.number = next(USERS)
        self.rng = random.Random(self.number)
        self.address = self.new_address()
        # The cookies a browser would send over HTTPS. Django marks them Secure and this
        # client talks plain HTTP to gunicorn (nginx ends TLS), so its cookie jar would
        # keep them back: it is switched off and the Cookie header written here.
        self.client.client.cookiejar = None
        self.cookies: dict[str, str] = {}

    def new_address(self) -> str:
        return f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"

    def context(self) -> dict[str, Any]:
        return {"mix": self.mix}

    def headers(self, **extra: str) -> dict[str, str]:
        sent = {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address, **extra}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return sent

    def fetch(
        self,
        name: str,
        url: str,
        *,
        expect: int = 200,
        contains: str = "",
        params: dict[str, str] | None = None,
        method: str = "GET",
        **kwargs: Any,
    ) -> Any:
        """One request, a failure unless it answers ``expect`` (a redirect elsewhere is one)
        with ``contains`` in its body."""
        with self.client.request(
            method,
            url,
            name=name,
            params=params,
            headers=self.headers(**kwargs.pop("headers", {})),
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code != expect and response.status_code < 400:
                where = urlsplit(response.headers.get("Location", "") if response.headers else "").path
                response.failure(f"{response.status_code} instead of {expect} {where}".strip())
            elif contains and contains not in (response.text or ""):
                response.failure(f"{contains!r} not in the page")
            return response

    def seat(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """This user's signed-in account of the plan (the list again from the start if
        there are more users than accounts)."""
        return entries[self.number % len(entries)]

    def sign_in(self, session: str) -> None:
        """The session opened on the server, and a CSRF secret of this browser's own (Django
        takes any well-formed one and masks it into each form it renders)."""
        self.cookies = {"sessionid": session, "csrftoken": "".join(self.rng.choices(CSRF_ALPHABET, k=32))}


class PingUser(LoadUser):
    mix = "ping"

    @task
    def ping(self) -> None:
        self.fetch("/ping/", "/ping/")


class CitizenUser(LoadUser):
    mix = "citizen"

    def on_start(self) -> None:
        super().on_start()
        self.plan: dict[str, Any] = PLAN["citizen"]
        self.left = 0

    def visit(self) -> None:
        """A new citizen after 5 to 15 requests: another address, as behind nginx."""
        if self.left <= 0:
            self.address = self.new_address()
            self.left = self.rng.randint(*VISIT_REQUESTS)
        self.left -= 1

    def filters(self) -> dict[str, str]:
        """What a citizen sets on the list: mostly a place, often a kind, sometimes more."""
        rng, plan, query = self.rng, self.plan, {}
        place = rng.random()
        if place < 0.5:
            query["county"] = rng.choice(plan["counties"])
        elif place < 0.7:
            query["league"] = rng.choice(plan["leagues"])
        if rng.random() < 0.4:
            query["kind"] = rng.choice(plan["kinds"])
            if query["kind"] in plan["childcare_kinds"] and rng.random() < 0.5:
                query["care_mode"] = rng.choice(plan["care_modes"])
        if rng.random() < 0.15:
            query["min_grade"] = rng.choice(plan["grades"])
        if rng.random() < 0.2:
            low, high = rng.choice(plan["fee_bounds"])
            query.update({k: str(v) for k, v in (("fee_min", low), ("fee_max", high)) if v is not None})
        if rng.random() < 0.2:
            query["q"] = rng.choice(plan["keywords"])
        page = rng.choices([1, 2, 3], weights=[70, 20, 10])[0]
        if page > 1:
            query["page"] = str(page)
        return query

    @task(8)
    def directory(self) -> None:
        self.visit()
        self.fetch("directory", "/providers/", params=self.filters())

    @task(4)
    def provider_page(self) -> None:
        self.visit()
        self.fetch("provider page", f"/providers/{self.rng.choice(self.plan['usccs'])}/")

    @task(1)
    def api_list(self) -> None:
        self.visit()
        query = {"county": self.rng.choice(self.plan["counties"])}
        if self.rng.random() < 0.3:
            query["kind"] = self.rng.choice(self.plan["kinds"])
        self.fetch("API list", "/api/providers/", params=query)

    @task(1)
    def api_record(self) -> None:
        self.visit()
        self.fetch("API record", f"/api/providers/{self.rng.choice(self.plan['usccs'])}/")

    @task(1)
    def county_csv(self) -> None:
        self.visit()
        self.fetch("CSV of a county", "/providers.csv", params={"county": self.rng.choice(self.plan["counties"])})


class ClerkUser(LoadUser):
    mix = "clerk"

    def on_start(self) -> None:
        super().on_start()
        self.clerk = self.seat(PLAN["clerks"])
        self.sign_in(self.clerk["session"])
        self.roster = Path(self.clerk["roster"]).read_bytes()
        self.provider_filters = itertools.cycle(self.provider_queries())
        self.resident_filters = itertools.cycle(
            [{}, {"care_level__exact": "disabled"}, *({"q": name} for name in RESIDENT_SURNAMES)]
        )

    def provider_queries(self) -> Iterator[dict[str, str]]:
        yield {}
        yield {"status__exact": "certified"}
        yield {"kind__exact": "elderly_institution"}
        yield {"in_division": self.clerk["county"]}
        yield {"grade__exact": "3"}
        yield {"q": "养老"}

    @task(3)
    def workbench(self) -> None:
        self.fetch("workbench", "/admin/")

    @task(3)
    def providers(self) -> None:
        self.fetch("providers list", "/admin/registry/provider/", params=next(self.provider_filters))

    @task(3)
    def residents(self) -> None:
        self.fetch("residents list", "/admin/registry/resident/", params=next(self.resident_filters))

    @task(1)
    @tag("roster")  # tests/test_bench_load.py runs this one alone
    def roster_preview(self) -> None:
        form_url = "/admin/registry/resident/import/"
        form = self.fetch("roster: upload form", form_url, contains='name="csrfmiddlewaretoken"')
        found = CSRF_FIELD.search(form.text or "")
        if found is None:
            return  # a failure of the form's request already
        origin = f"https://{urlsplit(str(self.host)).netloc}"
        uploaded = self.fetch(
            "roster: upload",
            form_url,
            method="POST",
            expect=302,
            data={"csrfmiddlewaretoken": found.group(1)},
            files={"roster": ("residents.xlsx", self.roster, "application/octet-stream")},
            headers={"Referer": origin + form_url, "Origin": origin},
        )
        preview = uploaded.headers.get("Location", "") if uploaded.status_code == 302 else ""
        if preview.startswith(form_url):
            self.fetch("roster: preview", preview)


class ProviderUser(LoadUser):
    mix = "portal"

    def on_start(self) -> None:
        super().on_start()
        self.account = self.seat(PLAN["providers"])
        self.sign_in(self.account["session"])
        self.home = f"/portal/{self.account['provider']}/"

    @task(3)
    def portal_home(self) -> None:
        self.fetch("portal home", "/portal/", expect=302)
        self.fetch("provider page and submissions", self.home)

    @task(2)
    def submission(self) -> None:
        submission = self.rng.choice(self.account["submissions"])
        self.fetch("submission", f"{self.home}submissions/{submission}/")
