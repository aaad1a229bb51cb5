"""A small HTTP client for the soak's simulated users: one per user, its own cookies and
client address, every request recorded (when it started and ended, what it was, the
status or the error).

It speaks to gunicorn directly, as nginx would forward a request: ``X-Forwarded-Proto:
https`` (the production settings mark cookies Secure and check the origin of a form
against https) and the user's address in ``X-Forwarded-For`` (``NUM_PROXIES=1``).
"""

from __future__ import annotations

import http.client
import re
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 60  # seconds: a request that gets no answer in this time counts as failed


@dataclass(frozen=True)
class Request:
    """One request as the simulated user saw it. ``status`` 0: no answer (``error`` says why)."""

    kind: str
    started: float  # seconds since the soak started
    ended: float
    status: int
    error: str = ""


class Recorder:
    """Every request of every simulated user, in the order they ended."""

    def __init__(self, epoch: float) -> None:
        self.epoch = epoch
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.epoch

    def add(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path


class Browser:
    """One simulated user: cookies kept by hand (the production cookies are Secure, which
    ``http.cookiejar`` would not send over plain HTTP to gunicorn)."""

    def __init__(self, port: int, client_ip: str, recorder: Recorder) -> None:
        self.port = port
        self.client_ip = client_ip
        self.recorder = recorder
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str = "",
        referer: str = "",
    ) -> Response | None:
        """Send one request and record it; None when no answer came."""
        headers = {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            "Accept-Language": "zh-hans",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + (referer or path)
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        started = self.recorder.now()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as error:
            self.recorder.add(Request(kind, started, self.recorder.now(), 0, f"{type(error).__name__}: {error}"))
            return None
        finally:
            connection.close()
        self.recorder.add(Request(kind, started, self.recorder.now(), answer.status))
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "expires=Thu, 01 Jan 1970" in value or "Max-Age=0" in value:
                    self.cookies.pop(cookie_name, None)
                else:
                    self.cookies[cookie_name] = cookie_value
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)

    def get(self, kind: str, path: str, query: dict[str, str] | None = None) -> Response | None:
        return self.request(kind, "GET", path + (f"?{urlencode(query)}" if query else ""))

    def post_form(self, kind: str, path: str, fields: dict[str, str]) -> Response | None:
        return self.request(kind, "POST", path, body=urlencode(fields).encode())

    def post_file(
        self, kind: str, path: str, fields: dict[str, str], name: str, filename: str, data: bytes
    ) -> Response | None:
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            kind, "POST", path, body=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
        )

    def csrf_token(self, page: Response) -> str:
        found = CSRF_INPUT.search(page.text)
        return found.group(1) if found else self.cookies.get("csrftoken", "")

    def log_in(self, username: str, password: str) -> bool:
        """Sign in to the back office; whether it worked."""
        page = self.get("clerk: sign-in", "/admin/login/")
        if page is None or page.status != 200:
            return False
        answer = self.post_form(
            "clerk: sign-in",
            "/admin/login/",
            {
                "csrfmiddlewaretoken": self.csrf_token(page),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )
        return answer is not None and answer.status == 302 and answer.location.startswith("/admin/")
