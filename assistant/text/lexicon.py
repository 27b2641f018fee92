"""The direction lexicon: words and phrasal verbs of increase and decrease (step up, scale back, a cut),
built from WordNet 3.0 by `lab build-lexicon` into `assistant/data/direction.json`, and Chinese words of
change (扩大, 削减) from CC-CEDICT's glosses read through it (sources and licences in the file); read once,
lazily."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

LEXICON_PATH = Path(__file__).resolve().parents[1] / "data" / "direction.json"


@cache
def _lexicon() -> dict[str, int]:
    """word or phrase -> +1 (increase) / -1 (decrease); empty without the file (the stems in words.py
    still read direction)."""
    try:
        data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {**{w: 1 for w in data.get("up", [])}, **{w: -1 for w in data.get("down", [])}}


@cache
def chinese_directions() -> dict[str, int]:
    """Chinese word -> +1 / -1 from the lexicon's CC-CEDICT part; empty without it."""
    try:
        data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {**{w: 1 for w in data.get("chinese_up", [])}, **{w: -1 for w in data.get("chinese_down", [])}}


def lexicon_direction(word: str) -> int:
    """+1 / -1 for a word or phrase of the lexicon (lower case, words joined by a space or _), else 0."""
    return _lexicon().get(word.replace("_", " "), 0)


def join_phrases(words: Sequence[str]) -> list[str]:
    """The words with each two-word phrase of the lexicon joined by _ ("stepped", "up" -> "stepped_up"),
    so a particle is read with its verb."""
    out, k = [], 0
    while k < len(words):
        if k + 1 < len(words) and lexicon_direction(f"{words[k]} {words[k + 1]}"):
            out.append(f"{words[k]}_{words[k + 1]}")
            k += 2
        else:
            out.append(words[k])
            k += 1
    return out
