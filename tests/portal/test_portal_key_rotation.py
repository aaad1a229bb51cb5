"""Rotating the personal-data key (``manage.py rotate_personal_data_key``) re-encrypts the
numbers sealed in providers' submissions (and their history) and the stored roster files,
so the old key can be retired without losing what providers sent."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from factories import ProviderFactory

from portal.access import access_grant
from portal.models import Submission, Upload
from portal.personal import sealed, unsealed
from portal.submissions import submission_save
from portal.uploads import ROSTER_TYPES, store_upload, upload_bytes
from registry.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

NUMBER = "150203194203080172"


def stored_bytes(upload: Upload) -> bytes:
    with upload.file.open("rb") as stored:
        return stored.read()


def test_rotation_keeps_sealed_numbers_and_roster_files_readable(settings) -> None:
    provider = ProviderFactory()
    user = User.objects.create_user(username="member", password="x")
    access_grant(user=user, provider=provider, actor=None)
    draft = submission_save(
        provider=provider,
        kind="vacancies",
        data={"as_of": "2026-12-01", "vacant": 3, "id_number": sealed(NUMBER)},
        user=user,
    )
    roster = f"统一社会信用代码,姓名,身份证号\n{provider.uscc},张桂兰,{NUMBER}\n".encode()
    upload = store_upload(
        provider=provider, user=user, file=SimpleUploadedFile("名册.csv", roster), accept=ROSTER_TYPES
    )
    old_key = settings.PERSONAL_DATA_KEYS[0]
    new_key = Fernet.generate_key().decode()
    token_before = draft.data["id_number"]
    file_before = stored_bytes(upload)

    settings.PERSONAL_DATA_KEYS = [new_key, old_key]
    call_command("rotate_personal_data_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.PERSONAL_DATA_KEYS = [new_key]  # the old key is retired

    draft = Submission.objects.get(pk=draft.pk)
    assert draft.data["id_number"] != token_before and unsealed(draft.data["id_number"]) == NUMBER
    assert all(unsealed(row.data["id_number"]) == NUMBER for row in draft.history.all())
    upload.refresh_from_db()
    assert stored_bytes(upload) != file_before
    assert upload_bytes(upload) == roster
