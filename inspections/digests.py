"""Reminder digests: claim, commit, then send each digest and mark it sent.

A recipient gets one email listing every notification not yet emailed. Sending is done in
three steps, as healthchecks sends its alerts, so that no row lock, advisory lock or open
transaction is held while a mail server is talked to:

1. ``claim_due_digests``: one short transaction, under an advisory lock, marks every
   notification due with this run's token and the time, and commits.
2. ``deliver_digest``: each digest goes to the mail server, outside any transaction.
3. ``mark_digest_sent``: one statement sets ``emailed_at`` on that digest's rows.

What a crash (a killed worker, a lost machine) at each point causes is in
``docs/inspections.md`` (*Reminder digests*). In short: a claim left by a dead run expires
after ``CLAIM_EXPIRES_AFTER`` and is then sent by the next run; the one crash that sends a
digest twice is the one after the mail server took it and before it was marked sent.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from dataclasses import dataclass
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification

logger = logging.getLogger(__name__)

DIGEST_LOCK = 0x5EED_D16E  # a PostgreSQL advisory lock: one claim at a time
# A run may spend at most SEND_WINDOW sending what it claimed (whatever is left then is
# given back); a claim older than CLAIM_EXPIRES_AFTER belongs to a run that died and may be
# taken over. The Celery task's hard time limit (30 minutes) ends a run before its claims
# expire, and a killed run's task is delivered again (visibility timeout, 2 hours) after
# they expired, so the redelivered task sends what the dead run had claimed.
SEND_WINDOW = datetime.timedelta(minutes=30)
CLAIM_EXPIRES_AFTER = datetime.timedelta(minutes=40)


@dataclass(frozen=True)
class Digest:
    """One recipient's notifications, claimed by one run."""

    recipient_key: str
    address: str
    items: tuple[Notification, ...]


def _digest_body(items: tuple[Notification, ...]) -> str:
    lines = [f"- {n.message}" for n in items]
    return "\n".join([_("Reminders from the care provider registry:"), "", *lines, ""])


def claim_due_digests(*, token: uuid.UUID, now: datetime.datetime) -> list[Digest]:
    """Claim every notification not yet emailed (and not claimed by a run still alive) for
    the run ``token``, commit, and return them as one digest per recipient.

    Under the advisory lock two runs claim one after the other, so the second finds the
    first one's claims and each recipient's items go into one digest. Items of recipients
    without an email address are marked emailed here: there is nothing to send.
    """
    with transaction.atomic(durable=True):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DIGEST_LOCK])
        claimable = Q(digest_claim__isnull=True) | Q(digest_claimed_at__lt=now - CLAIM_EXPIRES_AFTER)
        Notification.objects.filter(claimable, emailed_at__isnull=True).update(
            digest_claim=token, digest_claimed_at=now
        )
        items = list(
            Notification.objects.filter(digest_claim=token)
            .select_related("recipient")
            .order_by("recipient_key", "due_on", "pk")
        )
        by_recipient: dict[str, list[Notification]] = {}
        for item in items:
            by_recipient.setdefault(item.recipient_key, []).append(item)
        digests, nobody = [], []
        for key, group in by_recipient.items():
            address = group[0].recipient.email if group[0].recipient else group[0].email
            if address:
                digests.append(Digest(key, address, tuple(group)))
            else:
                nobody.append(key)
        if nobody:  # the inbox item is all they get
            Notification.objects.filter(digest_claim=token, recipient_key__in=nobody).update(
                emailed_at=now, digest_claim=None, digest_claimed_at=None
            )
    return digests


def deliver_digest(digest: Digest, *, mail: BaseEmailBackend) -> bool:
    """Hand one digest to the mail server; False if it refused it (it stays pending)."""
    message = EmailMessage(
        subject=_("%(count)d reminders") % {"count": len(digest.items)},
        body=_digest_body(digest.items),
        to=[digest.address],
        connection=mail,
    )
    try:
        message.send()
    except (SMTPException, OSError, ValueError) as error:
        # One refused address must not hold back (or resend) the others.
        logger.warning("reminder digest to %s not sent: %s", digest.recipient_key, error)
        return False
    return True


def mark_digest_sent(digest: Digest, *, token: uuid.UUID, now: datetime.datetime) -> bool:
    """Set ``emailed_at`` on the digest's rows, if this run's claim on them still holds."""
    marked = Notification.objects.filter(digest_claim=token, recipient_key=digest.recipient_key).update(
        emailed_at=now, digest_claim=None, digest_claimed_at=None
    )
    if marked != len(digest.items):  # only if the claim expired and another run took it over
        logger.warning("reminder digest to %s sent after its claim expired", digest.recipient_key)
    return marked > 0


def release_claims(*, token: uuid.UUID) -> int:
    """Give back what the run ``token`` claimed and did not send: the next run sends it."""
    return Notification.objects.filter(digest_claim=token).update(digest_claim=None, digest_claimed_at=None)


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """Email each recipient one digest of everything not yet emailed. Returns digests sent.

    Claims (and commits) first, then sends each digest over one mail connection outside any
    transaction and marks it sent at once. Whatever is claimed and not sent when the run
    ends — a refused address, a mail server down, the send window over — is given back
    and sent by the next run; only a killed run leaves claims behind, until they expire.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    digests = claim_due_digests(token=token, now=now)
    sent = 0
    give_up_at = time.monotonic() + SEND_WINDOW.total_seconds()
    mail = get_connection()
    try:
        if digests:
            mail.open()
        with translation.override(settings.LANGUAGE_CODE):
            for done, digest in enumerate(digests):
                if time.monotonic() > give_up_at:  # before our claims expire and another run sends them
                    logger.warning("reminder digests: send window over, %d left for the next run", len(digests) - done)
                    break
                if deliver_digest(digest, mail=mail):
                    mark_digest_sent(digest, token=token, now=now)
                    sent += 1
    finally:
        mail.close()
        release_claims(token=token)
    return sent
