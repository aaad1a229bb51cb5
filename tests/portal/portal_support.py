"""Helpers shared by the portal's tests (import as ``portal_support``: the tests folder is on
``sys.path``): a provider user, the page text, a kind sent through the portal's pages, the
clerk's accept and return through the admin's buttons, and files as a provider's phone or
computer would send them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import FileField
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from portal.access import access_grant
from portal.models import Submission
from registry.models import Provider, User

PASSWORD = "Bt-portal-2026!x"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def provider_user(provider: Provider, name: str = "provider1", email: str = "") -> User:
    user = User.objects.create_user(username=name, password=PASSWORD, email=email)
    access_grant(user=user, provider=provider, actor=None)
    return user


def as_sent(response: Any, **changes: Any) -> dict[str, Any]:
    """What the form on ``response`` sends when the user changes nothing but ``changes``
    and taps Send: the one tap of a checklist where everything is in order."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value in (None, "") or isinstance(field, FileField):
            continue
        data[name] = value
    data.update(changes)
    data.setdefault("submit", "1")
    return {k: v for k, v in data.items() if v is not None}


def png(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_bytes() -> bytes:
    """A one-page PDF that parses."""
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def status_of(client: Client, url: str, method: str = "get", **data: Any) -> int:
    response = client.post(url, data) if method == "post" else client.get(url)
    return response.status_code


def portal_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, provider: Provider, kind: str, data: Mapping[str, Any], *, button: str = "submit") -> Any:
    """Fill in ``kind``'s form on the portal and press Send (or "draft": Save / Check)."""
    return client.post(reverse("portal:submission_new", args=[provider.pk, kind]), {**data, button: "1"})


def latest(provider: Provider, kind: str) -> Submission:
    return Submission.objects.filter(provider=provider, kind=kind).latest("pk")


def accept(staff: Client, submission: Submission) -> Any:
    """The clerk's Accept button on the review page; the page it lands on."""
    return staff.post(reverse("admin:portal_submission_accept", args=[submission.pk]), follow=True)


def return_to_provider(staff: Client, submission: Submission, reason: str) -> Any:
    return staff.post(reverse("admin:portal_submission_return", args=[submission.pk]), {"reason": reason}, follow=True)


def review_page(staff: Client, submission: Submission) -> str:
    return text_of(staff.get(reverse("admin:portal_submission_change", args=[submission.pk])).content.decode())


def form_errors(response: Any) -> str:
    """Every error of the form on a re-rendered portal page, as one text."""
    form = response.context["form"]
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


def xlsx_upload(header: list[str], rows: Iterable[Mapping[str, Any]], name: str = "名册.xlsx") -> SimpleUploadedFile:
    """A roster as a provider saves it from Excel (the browser's claimed type is not trusted)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, None) for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")
