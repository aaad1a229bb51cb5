"""Administrative divisions (GB/T 2260) and the units staff add under them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..pinyin import PINYIN_MAX_LENGTH, name_pinyin


class Division(models.Model):
    """An administrative division (GB/T 2260), or a non-standard unit staff added."""

    class Level(models.IntegerChoices):
        REGION = 1, _("Region")
        LEAGUE_CITY = 2, _("League/City")
        COUNTY = 3, _("Banner/County/District")
        TOWNSHIP = 4, _("Sumu/Township/Subdistrict")
        VILLAGE = 5, _("Gacha/Village/Community")

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The name in Mongolian (traditional script) and in English/pinyin, for the public
    # pages under /mn/ and /en/ (an empty one: the Chinese name is shown). A GB/T 2260
    # division's come from the glossary (registry/glossary.py, load_reference_data).
    name_mn = models.CharField(_("name in Mongolian script"), max_length=100, blank=True)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    # The name's pinyin and initials, for the public keyword search (kept in step by save()).
    name_pinyin = models.CharField(_("name in pinyin"), max_length=PINYIN_MAX_LENGTH, blank=True, editable=False)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("type"), max_length=20, blank=True, help_text=_("e.g. banner, county, district"))
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent division")
    )
    # Materialised path of codes ("150000/150200/150203/") so that "this division and
    # everything under it" is one indexed prefix match, also for non-standard units whose
    # codes do not follow the GB/T 2260 prefix pattern.
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    is_standard = models.BooleanField(
        _("GB/T 2260 standard"),
        default=False,
        help_text=_("Unchecked for units added locally, such as development zones and townships."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        permissions = [("move_division", _("Can change a division's code, level or parent"))]
        indexes = [models.Index(fields=["path"], name="division_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        old_path = self.path
        self.name_pinyin = name_pinyin(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin"}
        self.path = (self.parent.path if self.parent else "") + f"{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Keep descendants' paths in step when a unit moves or is recoded.
            for child in Division.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = self.path + child.path[len(old_path) :]
                Division.objects.filter(pk=child.pk).update(path=child.path)

    def clean(self) -> None:

        if self.parent is None and self.level != self.Level.REGION:
            raise ValidationError({"parent": _("Only the region has no parent division.")})
        if self.parent is not None and self.level <= self.parent.level:
            raise ValidationError({"level": _("A division must be at a lower level than its parent.")})

    def contains(self, other: Division) -> bool:
        return other.path.startswith(self.path)

    def local_name(self, language: str | None = None) -> str:
        """The name in ``language`` (the active one by default), else the Chinese name."""
        return name_in_language(self.name, mn=self.name_mn, en=self.name_en, language=language)


def name_in_language(chinese: str, *, mn: str, en: str, language: str | None = None) -> str:
    """A name as a page in ``language`` shows it: the Mongolian or English name where there
    is one, the Chinese name otherwise (and on the Chinese pages)."""
    language = (language or get_language() or "").lower()
    if language.startswith("en") and en:
        return en
    if language.startswith("mn") and mn:
        return mn
    return chinese
