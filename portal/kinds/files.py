"""The file a kind's form checks (a roster, a signed report), between the request that sends
it and the submission that keeps it.

The generic form view stores a kind's files (``uploads.store_upload``) once its form is
valid; a form that must read the file to be valid (a roster's rows, a PDF's pages) reads
it here first, then rewinds it for the view. What the form keeps is the file's SHA-256,
which is also the stored upload's (``Upload.sha256``: a roster or PDF is stored byte for
byte), so that the form bound again to the stored data (when it is sent, shown or
accepted) finds the same file among the provider's uploads, and accepting applies
exactly the file that was checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from registry.models import Provider

from ..models import Submission, Upload
from ..uploads import read_upload, sniff, upload_bytes


@dataclass(frozen=True)
class SentFile:
    data: bytes
    content_type: str
    sha256: str

    @property
    def filename(self) -> str:
        """A name the roster reader goes by (the sender's own name is not trusted)."""
        return "file" + Upload(content_type=self.content_type).extension


def sent_file(form: forms.Form, accept: frozenset[str]) -> SentFile | None:
    """The one file sent with this request (``files``), read and rewound; None when none
    was sent (the form is bound to stored data). Refused when several were sent, when it
    is too large or when its content is not of a type in ``accept``."""
    getlist = getattr(form.files, "getlist", None)
    files = getlist("files") if getlist is not None else []
    if not files:
        return None
    if len(files) > 1:
        raise forms.ValidationError(_("Send one file."), code="files")
    file: Any = files[0]
    data = read_upload(file)
    file.seek(0)  # the view stores it next
    content_type = sniff(data)
    if content_type is None or content_type not in accept:
        raise forms.ValidationError(_("This kind of file is not accepted here."), code="type")
    return SentFile(data=data, content_type=content_type, sha256=hashlib.sha256(data).hexdigest())


def stored_file(provider: Provider, sha256: str, accept: frozenset[str]) -> Upload | None:
    """The provider's stored upload with this content, if it is (still) there."""
    if not sha256:
        return None
    return (
        Upload.objects.filter(provider=provider, sha256=sha256, content_type__in=accept)
        .exclude(status=Upload.Status.REJECTED)
        .order_by("-pk")
        .first()
    )


def submitted_file(submission: Submission, sha256: str) -> SentFile:
    """The submission's file with this SHA-256 (what accepting applies)."""
    upload = submission.uploads.filter(sha256=sha256).order_by("-pk").first()
    if upload is None:
        raise forms.ValidationError(_("The file that was checked is not part of this submission."), code="file")
    return SentFile(data=upload_bytes(upload), content_type=upload.content_type, sha256=upload.sha256)
