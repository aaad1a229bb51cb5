"""Constants shared by the inspections tests (import as ``inspection_support``)."""

from __future__ import annotations

from typing import Any

CITY_JOINT = "BT-CITY-JOINT"  # half-yearly, city inspectors
DISTRICT_SAFETY = "BT-DISTRICT-SAFETY"  # quarterly, district inspectors
INTERNAL_MONTHLY = "BT-INTERNAL-MONTHLY"  # monthly, the provider itself
BAOTOU_REGIMES = {CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY}

QINGSHAN = "150204"  # 青山区, a third county of Baotou
SHIGUAI = "150205"  # 石拐区, a fourth


class RefusingEmailBackend:
    """A mail backend (``EMAIL_BACKEND = "inspection_support.RefusingEmailBackend"``) that
    delivers to ``django.core.mail.outbox`` but refuses addresses in ``REFUSED``, as an SMTP
    server refuses an unknown mailbox."""

    REFUSED: set[str] = set()

    def __init__(self, *args: object, **kwargs: object) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self._inner = EmailBackend(*args, **kwargs)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send_messages(self, messages: list) -> int:
        import smtplib

        for message in messages:
            refused = set(message.to) & self.REFUSED
            if refused:
                raise smtplib.SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"unknown mailbox")))
        return self._inner.send_messages(messages)


def as_made_before_codes(draw: Any) -> Any:
    """Turn a frozen draw into one made before issue 19: its pool by login name
    (``username``), its teams ranked by and named by them, as such draws are stored."""
    import copy

    from inspections.inspector_codes import inspector_code
    from inspections.models import Draw
    from inspections.random_draw import compute_results

    by_code = {inspector_code(user): user for user in draw.inspector_pool.all()}
    inputs = copy.deepcopy(draw.inputs)
    inputs["inspectors"] = [
        {"username": by_code[entry.pop("inspector")].username, **entry} for entry in inputs["inspectors"]
    ]
    Draw.objects.filter(pk=draw.pk).update(inputs=inputs, results=compute_results(inputs))
    draw.refresh_from_db()
    return draw
