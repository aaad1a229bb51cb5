"""Files a provider sends (issue 18): evidence photos, PDFs, roster workbooks.

- The type comes from the content (its first bytes), never from the name or the
  browser's claim: JPEG, PNG, PDF, an .xlsx workbook (a zip holding
  ``[Content_Types].xml``) or CSV text. Anything else is refused.
- The size limit is ``PORTAL_UPLOAD_MAX_BYTES``; an image larger than
  ``PORTAL_IMAGE_MAX_PIXELS`` is refused before it is decoded in full.
- A photo is decoded and written again: what is stored holds the pixels only, no EXIF
  (a phone's photo carries where it was taken), turned upright as the phone meant.
- A PDF is kept byte for byte, but only if it parses (pypdf reads every page).
- The file is stored under a random name (``models.upload_path``); a roster (it holds ID
  numbers) is encrypted at rest like the clerks' roster imports. It is served only by
  ``portal.views.upload_file``, which checks that the user may see its provider, and for a
  roster that a staff user may see personal data.
- Rejected and abandoned uploads are deleted after ``UPLOAD_RETENTION_DAYS`` (``retention.py``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import Provider, User
from safeguards.audit import audit_record
from safeguards.crypto import decrypt_bytes, encrypt_bytes

from .models import Upload

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
IMAGES = frozenset({JPEG, PNG})
EVIDENCE_TYPES = frozenset({JPEG, PNG, PDF})
ROSTER_TYPES = frozenset({XLSX, CSV})


def sniff(data: bytes) -> str | None:
    """The type of ``data`` from its content, or None when it is none we take."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        return XLSX if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names) else None
    sample = data[:4096]
    if b"\x00" in sample:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return CSV if ("," in text or "\t" in text) else None
    return None


def clean_image(data: bytes, content_type: str) -> bytes:
    """The image decoded and encoded again, upright and without any metadata."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = settings.PORTAL_IMAGE_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > settings.PORTAL_IMAGE_MAX_PIXELS:
                raise ValidationError(_("The picture is too large."), code="pixels")
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in {"RGB", "RGBA", "L", "LA"}:
                upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
            # A new image from the raw pixels: no info, EXIF, XMP or ICC profile comes along.
            pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except (OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise ValidationError(_("The picture cannot be read."), code="image") from error
    out = io.BytesIO()
    if content_type == JPEG:
        pixels.convert("RGB").save(out, format="JPEG", quality=88)
    else:
        pixels.save(out, format="PNG")
    return out.getvalue()


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that does not parse (every page is read)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("The PDF is password-protected."), code="pdf")
        for page in reader.pages:
            page.extract_text()
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise ValidationError(_("The PDF cannot be read."), code="pdf") from error


def read_upload(file: Any) -> bytes:
    """The uploaded file's bytes, refusing one over the size limit without reading it all."""
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    if getattr(file, "size", 0) > limit:
        raise ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}, code="size")
    data: bytes = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}, code="size")
    return data


@transaction.atomic
def store_upload(*, provider: Provider, user: User, file: Any, accept: frozenset[str]) -> Upload:
    """Check, clean and store one file for ``provider``; audited. ``accept``: the types
    this form takes (``EVIDENCE_TYPES``, ``ROSTER_TYPES``)."""
    data = read_upload(file)
    content_type = sniff(data)
    if content_type is None or content_type not in accept:
        raise ValidationError(_("This kind of file is not accepted here."), code="type")
    if content_type in IMAGES:
        data = clean_image(data, content_type)
    elif content_type == PDF:
        check_pdf(data)
    upload = Upload(
        provider=provider,
        uploaded_by=user,
        content_type=content_type,
        size=len(data),
        original_name=str(getattr(file, "name", "") or "")[:200],
        sha256=hashlib.sha256(data).hexdigest(),
    )
    # A roster holds ID numbers: encrypted at rest, as the clerks' roster imports are
    # (media backups must not hold them); photos and PDFs are kept as they are.
    stored = encrypt_bytes(data) if content_type in ROSTER_TYPES else data
    upload.file.save("upload", ContentFile(stored), save=False)
    upload.save()
    audit_record("portal.upload", actor=user, obj=upload, detail=f"{content_type} {len(data)} bytes")
    return upload


def upload_bytes(upload: Upload) -> bytes:
    """The file as it was sent (after cleaning): a roster decrypted."""
    with upload.file.open("rb") as stored:
        data: bytes = stored.read()
    return decrypt_bytes(data) if upload.encrypted else data
