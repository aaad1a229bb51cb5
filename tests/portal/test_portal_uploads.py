"""Portal uploads (issue 18): the type comes from the content, photos lose their EXIF
(location) and keep their pixels, PDFs are kept only if they parse, the size limit is a
setting, files are served only within scope (stale uploads are purged:
test_portal_retention.py)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from factories import ProviderFactory
from PIL import Image
from portal_support import pdf_bytes, provider_user

from portal.access import access_grant
from portal.models import Upload
from portal.uploads import EVIDENCE_TYPES, ROSTER_TYPES, sniff, store_upload
from registry.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

# EXIF with a GPS block (tag 0x8825) pointing at latitude 40.65 N.
GPS = {0x0001: "N", 0x0002: (40.0, 39.0, 0.0), 0x0003: "E", 0x0004: (109.0, 50.0, 0.0)}


def photo_with_location(fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = GPS
    exif[0x0112] = 6  # orientation: rotate 90° to be upright
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def provider() -> Any:
    return ProviderFactory()


@pytest.fixture
def member(provider: Any) -> User:
    return provider_user(provider, "member")


def upload(provider: Any, user: User, name: str, data: bytes, accept: frozenset[str] = EVIDENCE_TYPES) -> Upload:
    return store_upload(provider=provider, user=user, file=SimpleUploadedFile(name, data), accept=accept)


def test_the_type_comes_from_the_content_not_the_name(provider: Any, member: User) -> None:
    pdf = pdf_bytes()
    assert sniff(pdf) == "application/pdf"
    assert sniff(photo_with_location()) == "image/jpeg"
    assert sniff("姓名,身份证号\n张三,1502\n".encode()) == "text/csv"
    assert sniff(b"MZ\x90\x00\x03 an executable") is None
    stored = upload(provider, member, "photo.jpg", pdf)  # a PDF named .jpg is stored as a PDF
    assert stored.content_type == "application/pdf" and stored.file.name.endswith(".pdf")
    with pytest.raises(ValidationError):
        upload(provider, member, "evidence.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError):
        upload(provider, member, "roster.xlsx", pdf, accept=ROSTER_TYPES)


def test_a_photo_loses_its_location_and_keeps_its_pixels_upright(provider: Any, member: User) -> None:
    original = photo_with_location()
    assert b"PhoneMaker" in original
    stored = upload(provider, member, "IMG_0001.jpg", original)
    data = stored.file.open("rb").read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert image.size == (48, 64)  # turned upright as the phone meant
        red, green, blue = image.convert("RGB").getpixel((10, 10))
        assert red > 150 and green < 80 and blue < 80
    assert "IMG_0001" not in stored.file.name  # stored under a random name


def test_a_pdf_is_kept_byte_for_byte_only_if_it_parses(provider: Any, member: User) -> None:
    pdf = pdf_bytes()
    stored = upload(provider, member, "report.pdf", pdf)
    assert stored.file.open("rb").read() == pdf
    with pytest.raises(ValidationError):
        upload(provider, member, "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage")


@override_settings(PORTAL_UPLOAD_MAX_BYTES=1024)
def test_the_size_limit_is_a_setting(provider: Any, member: User) -> None:
    with pytest.raises(ValidationError) as error:
        upload(provider, member, "big.pdf", pdf_bytes() + b"\n%" + b"x" * 2048)
    assert error.value.code == "size"


def test_files_are_served_only_within_scope(
    provider: Any, member: User, clerk: User, outsider: User, client_for: Any
) -> None:
    stored = upload(provider, member, "report.pdf", pdf_bytes())
    url = reverse("portal:upload", args=[stored.pk])
    assert client_for(member).get(url).status_code == 200
    assert client_for(clerk).get(url).status_code == 200  # the clerk reviewing it
    assert client_for(outsider).get(url).status_code == 404  # another district
    other = User.objects.create_user(username="other", password="x")
    access_grant(user=other, provider=ProviderFactory(), actor=None)
    assert client_for(other).get(url).status_code == 404  # another provider
    assert Client().get(url).status_code == 404


def test_a_roster_is_stored_encrypted_and_served_only_to_who_may_see_personal_data(
    provider: Any, member: User, clerk: User, reviewer: User, client_for: Any
) -> None:
    number = "150203194203080172"
    roster = f"统一社会信用代码,姓名,身份证号\n{provider.uscc},张桂兰,{number}\n".encode()
    stored = upload(provider, member, "名册.csv", roster, accept=ROSTER_TYPES)
    on_disk = stored.file.open("rb").read()
    assert number.encode() not in on_disk and "张桂兰".encode() not in on_disk
    assert stored.file.name.endswith(".csv.enc")
    url = reverse("portal:upload", args=[stored.pk])
    assert b"".join(client_for(member).get(url).streaming_content) == roster
    assert b"".join(client_for(clerk).get(url).streaming_content) == roster  # may see personal data
    assert client_for(reviewer).get(url).status_code == 404  # may see the provider, not the numbers
