"""Helpers shared by the portal's tests of self-checks and rectification (import as
``portal_support``: the tests folder is on ``sys.path``)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import FileField
from django.test import Client

from portal.access import access_grant
from registry.models import Provider, User

PASSWORD = "Bt-portal-2026!x"


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


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def status_of(client: Client, url: str, method: str = "get", **data: Any) -> int:
    response = client.post(url, data) if method == "post" else client.get(url)
    return response.status_code
