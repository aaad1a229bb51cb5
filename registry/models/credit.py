"""Credit disclosure (双公示, 000:589-593; 002:245-247): the administrative licences and
penalties decided about a provider, published with their date, deciding authority,
decision and legal basis; and the objections (异议, 002:247) a provider raises against a
published entry — a licence, a penalty, or a credit record (``CreditRecord``: blacklist,
dishonesty record, commendation)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .providers import CreditRecord, Provider, money_field
from .staff import User


class CreditDisclosure(models.Model):
    """One administrative licence (行政许可) or penalty (行政处罚) decision, as the deciding
    authority publishes it. ``content`` is the current public text: an upheld objection
    replaces it with the corrected text (``corrected_on``; the earlier text stays in the
    record's history and in the objection); a decision annulled on objection is withdrawn
    (``withdrawn_on``) and no longer published."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("Administrative licence")
        PENALTY = "penalty", _("Administrative penalty")

    class PenaltyType(models.TextChoices):
        # The kinds of administrative penalty (《中华人民共和国行政处罚法》 art. 9).
        WARNING = "warning", _("Warning or circulated criticism")
        FINE = "fine", _("Fine")
        CONFISCATION = "confiscation", _("Confiscation of illegal gains or property")
        LICENCE_ACTION = "licence_action", _("Licence suspended, downgraded or revoked")
        BUSINESS_LIMITS = "business_limits", _("Business restricted, suspended or closed")
        OTHER = "other", _("Other penalty")

    provider = models.ForeignKey(
        Provider, models.CASCADE, related_name="credit_disclosures", verbose_name=_("provider")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    decision_number = models.CharField(_("decision number"), max_length=100)
    decided_on = models.DateField(_("date of decision"))
    authority = models.CharField(_("deciding authority"), max_length=200)
    content = models.TextField(
        _("decision content"), help_text=_("What was licensed, or the facts and the penalty: public.")
    )
    legal_basis = models.TextField(_("legal basis"))
    penalty_type = models.CharField(_("penalty type"), max_length=20, choices=PenaltyType.choices, blank=True)
    fine_yuan = money_field(_("fine (yuan)"), null=True, blank=True)
    publish_until = models.DateField(
        _("published until"),
        null=True,
        blank=True,
        help_text=_(
            "A penalty is published for at least one year and at most three (empty: three years). "
            "A licence: empty while it stands."
        ),
    )
    corrected_on = models.DateField(_("corrected on"), null=True, blank=True, editable=False)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True, editable=False)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit disclosure")
        verbose_name_plural = _("credit disclosures")
        ordering = ["provider", "-decided_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "decision_number"], name="credit_disclosure_decision_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="penalty", publish_until__isnull=False) & ~Q(penalty_type="")
                | Q(kind="licence", penalty_type="", fine_yuan__isnull=True),
                name="credit_disclosure_penalty_fields",
                violation_error_message=_(
                    "A penalty has a penalty type and an end of publication; a licence has neither a penalty type "
                    "nor a fine."
                ),
            ),
            models.CheckConstraint(
                condition=Q(fine_yuan__isnull=True) | Q(fine_yuan__gt=0), name="credit_disclosure_fine_positive"
            ),
            models.CheckConstraint(
                condition=Q(publish_until__isnull=True) | Q(publish_until__gte=F("decided_on")),
                name="credit_disclosure_published_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_number}"


class CreditObjection(models.Model):
    """An objection (异议, 002:247) the provider raised against one published entry, as a
    clerk records it, and its outcome. The grounds and who raised it are never published;
    the status and the outcome are."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Under review")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    # The entry's provider, set by ``objection_record``: for scoping and the lists.
    provider = models.ForeignKey(
        Provider, models.CASCADE, related_name="credit_objections", verbose_name=_("provider"), editable=False
    )
    disclosure = models.ForeignKey(
        CreditDisclosure,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("licence or penalty"),
    )
    record = models.ForeignKey(
        CreditRecord,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("credit record"),
    )
    received_on = models.DateField(_("received on"))
    raised_by = models.CharField(
        _("raised by"), max_length=200, help_text=_("Who raised it for the provider (not published).")
    )
    grounds = models.TextField(_("grounds"), help_text=_("Not published."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    decided_on = models.DateField(_("date of outcome"), null=True, blank=True)
    outcome_text = models.TextField(_("outcome of the objection"), blank=True, help_text=_("Published with the entry."))
    corrected_content = models.TextField(
        _("corrected content"), blank=True, help_text=_("The entry's text as corrected (an upheld objection).")
    )
    withdraws_entry = models.BooleanField(
        _("decision annulled"),
        default=False,
        help_text=_("Upheld in full: the decision itself was annulled, and the entry is no longer published."),
    )
    original_content = models.TextField(_("original content"), blank=True, editable=False)
    recorded_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    decided_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit objection")
        verbose_name_plural = _("credit objections")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(disclosure__isnull=False, record__isnull=True)
                | Q(disclosure__isnull=True, record__isnull=False),
                name="credit_objection_one_entry",
            ),
            models.CheckConstraint(
                condition=Q(status="received", decided_on__isnull=True)
                | (~Q(status="received") & Q(decided_on__isnull=False, decided_on__gte=F("received_on"))),
                name="credit_objection_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(withdraws_entry=False) | Q(status="upheld"), name="credit_objection_annulled_if_upheld"
            ),
            models.UniqueConstraint(
                fields=["disclosure"], condition=Q(status="received"), name="credit_objection_one_open_per_disclosure"
            ),
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="received"), name="credit_objection_one_open_per_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} {self.received_on}"

    @property
    def entry(self) -> CreditDisclosure | CreditRecord | None:
        return self.disclosure or self.record
