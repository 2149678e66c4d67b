"""Name search keys (姓名与拼音首字母检索): every reading of every character is indexed.

曾祥月 → {"曾祥月", "zxy", "cxy"}: a clerk who types the initials of the reading she knows
finds the person whichever reading pypinyin would call the default.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from pypinyin import Style, pinyin

MAX_VARIANTS = 32
_ASCII_QUERY = re.compile(r"^[a-z]+$")


def initials_variants(name: str) -> set[str]:
    """All initial-letter spellings of ``name`` (at most MAX_VARIANTS)."""
    letters: list[list[str]] = []
    # Character by character: pypinyin's phrase table would otherwise pick one reading for a
    # known phrase (长乐 → chang le only), and a name is not a phrase.
    for char in name:
        options = _char_initials(char)
        if options:
            letters.append(options)
    if not letters:
        return set()
    if all(len(options) == 1 for options in letters):  # most names: one reading per character
        return {"".join(options[0] for options in letters)}
    variants: set[str] = set()
    for combo in itertools.product(*letters):
        variants.add("".join(combo))
        if len(variants) >= MAX_VARIANTS:
            break
    return variants


@lru_cache(maxsize=20000)
def _char_initials(char: str) -> tuple[str, ...]:
    readings = [r for group in pinyin(char, style=Style.FIRST_LETTER, heteronym=True,
                                      errors="ignore", strict=False) for r in group]
    return tuple(sorted({r[:1].lower() for r in readings if r and r[:1].isalpha()}))


def name_keys(name: str) -> frozenset[str]:
    """The search keys of one name: itself and every initials spelling (cached: names repeat)."""
    return _name_keys((name or "").strip())


@lru_cache(maxsize=200_000)
def _name_keys(name: str) -> frozenset[str]:
    if not name:
        return frozenset()
    return frozenset({name[:64], *(v[:64] for v in initials_variants(name))})


def normalize_query(text: str) -> str:
    return re.sub(r"\s+", "", text or "").lower()


def is_initials_query(text: str) -> bool:
    return bool(_ASCII_QUERY.match(normalize_query(text)))
