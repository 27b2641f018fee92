"""The direction lexicon: words and phrasal verbs of increase and decrease (step up, scale back, a cut),
built from WordNet 3.0 by `lab build-lexicon` into `assistant/data/direction.json` (source and licence in
the file); read once, lazily."""

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
