"""The back-office's other views of providers (proxy models, no tables of their own): the
ledger and the providers on hold."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.models import Provider


class ProviderLedger(Provider):
    """The provider seen from the money side: the ledger page of the back-office."""

    class Meta:
        proxy = True
        verbose_name = _("provider ledger")
        verbose_name_plural = _("provider ledgers")


class ProviderOnHold(Provider):
    """Providers whose payments are paused now, with the money that waits for them."""

    class Meta:
        proxy = True
        verbose_name = _("provider on hold")
        verbose_name_plural = _("providers on hold")
