"""Pinyin of provider and division names, so that the public keyword search finds
``kundulun`` (or its initials ``kdl``) as well as 昆都仑.

pypinyin reads each character by its most common reading, which is wrong for some place
names of the region (昆都仑 is kūn dū lún, pypinyin says kūn dōu lún). The readings of
those names are data (``PLACE_NAME_READINGS``), loaded into pypinyin's phrase dictionary
before any name is read; a wrong reading found later is one more line there.

What is stored (``Provider.name_pinyin``, ``Division.name_pinyin``): the full pinyin
without tones or spaces, then a space, then the initials — e.g. "kundulunqu kdlq". A
keyword of Latin letters matches when it is part of either.
"""

from __future__ import annotations

import functools
import re

from pypinyin import Style, lazy_pinyin, load_phrases_dict

# Place names pypinyin reads wrongly (a polyphonic character), with the reading used locally.
PLACE_NAME_READINGS: dict[str, str] = {
    "昆都仑": "kūn dū lún",  # Kundulun district, Baotou (pypinyin: kūn dōu lún)
    "克什克腾": "kè shí kè téng",  # Hexigten banner, Chifeng (pypinyin: kè shén kè téng)
    "郭勒": "guō lè",  # Xilingol, Huolingol (pypinyin: guō lēi)
    "乌拉特": "wū lā tè",
    "喀喇沁": "kā lā qìn",
    "巴彦淖尔": "bā yàn nào ěr",
}

PINYIN_MAX_LENGTH = 600  # a 200-character name: its letters (at most 6 each) and its initials
_LATIN_WORD = re.compile(r"[a-z]{2,}")


@functools.cache
def _load_place_names() -> None:
    load_phrases_dict(
        {name: [[syllable] for syllable in reading.split()] for name, reading in PLACE_NAME_READINGS.items()}
    )


def name_pinyin(name: str) -> str:
    """ "kundulunqu kdlq" for 昆都仑区: the full pinyin and the initials, lower case,
    without tones; other characters (Latin letters, digits) are kept as they are."""
    _load_place_names()
    text = name.strip()
    full = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()
    full, initials = re.sub(r"\s+", "", full), re.sub(r"\s+", "", initials)
    return f"{full} {initials}"[:PINYIN_MAX_LENGTH]


def pinyin_keyword(word: str) -> str | None:
    """The keyword as pinyin to look for (lower case, apostrophes dropped: "xi'an"), or None
    when it is not pinyin (Chinese characters, digits, a single letter)."""
    folded = word.lower().replace("'", "").replace("’", "")
    return folded if _LATIN_WORD.fullmatch(folded) else None
