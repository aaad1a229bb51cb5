"""Helpers of the concerns tests (import as ``concern_support``)."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.test import Client
from django.utils import timezone

from concerns.bot_checks import fill_token
from concerns.cases import concern_receive
from concerns.models import Concern
from registry.models import Provider

DESCRIPTION = "护理员夜里不来翻身，老人背上长了褥疮，家属多次反映无人处理。"
CONTACT = {"contact_name": "赵淑芬", "contact_phone": "13904721234", "contact_email": "zhao.shufen@example.cn"}


def form_data(**overrides: Any) -> dict[str, str]:
    """What a person sends from the form a minute after it was shown."""
    data = {
        "category": "care_quality",
        "description": DESCRIPTION,
        **CONTACT,
        "website": "",
        "shown_at": fill_token(time.time() - 60),
    }
    data.update(overrides)
    return data


def send(client: Client, provider: Provider, ip: str = "198.51.100.10", **overrides: Any) -> Any:
    return client.post(f"/concerns/new/{provider.uscc}/", form_data(**overrides), REMOTE_ADDR=ip)


def receive(provider: Provider, *, days_ago: int = 0, **fields: Any) -> Concern:
    """A concern received ``days_ago`` days ago (through the service, as the form does)."""
    values: dict[str, Any] = {"category": "care_quality", "description": DESCRIPTION, **CONTACT, **fields}
    received_at = timezone.now() - datetime.timedelta(days=days_ago)
    return concern_receive(provider=provider, received_at=received_at, **values)


def lookup(client: Client, reference: str, ip: str = "198.51.100.20") -> Any:
    return client.post("/concerns/lookup/", {"reference": reference}, REMOTE_ADDR=ip)
