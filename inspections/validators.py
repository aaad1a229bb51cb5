"""Validators for uploaded evidence."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _


def validate_evidence_size(file: File) -> None:
    limit = getattr(settings, "EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The file is %(size)d KB; evidence may be at most %(limit)d KB."),
            params={"size": file.size // 1024, "limit": limit // 1024},
            code="file_too_large",
        )
