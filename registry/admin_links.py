"""Links other apps add to a provider's back-office page (next to the lifecycle actions),
so that the registry names no other app's URL: the portal's "invite to the portal"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import Promise

from .models import Provider


@dataclass(frozen=True)
class ProviderLink:
    label: str | Promise
    url: Callable[[Provider], str]
    permission: str  # "app_label.codename" the user needs to see the link


PROVIDER_LINKS: list[ProviderLink] = []


def register_provider_link(link: ProviderLink) -> None:
    if link not in PROVIDER_LINKS:
        PROVIDER_LINKS.append(link)


def provider_links(request: HttpRequest, provider: Provider) -> list[tuple[str, str | Promise]]:
    return [(link.url(provider), link.label) for link in PROVIDER_LINKS if request.user.has_perm(link.permission)]
