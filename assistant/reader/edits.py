"""Minimal edits that turn a statement around: a direction word swapped for its opposite, a negation added
or removed. The fit makes contradicting pairs with them; the fact-checker reads a claim beside its turned
versions, so a sentence counts as saying the opposite only when a turned claim fits it better."""

from __future__ import annotations

import re

from assistant.text.words import DIRECTION_OPPOSITES

NEGATIONS = ((" is not ", " is "), (" are not ", " are "), (" was not ", " was "), (" were not ", " were "),
             (" cannot ", " can "), (" does not ", " does "), (" do not ", " do "), (" did not ", " did "),
             (" will not ", " will "), (" has not ", " has "),
             ("不是", "是"), ("没有", "有"), ("不能", "能"))  # fmt: skip


def _pattern(word: str) -> str:
    return re.escape(word) if re.search(r"[\u4e00-\u9fff]", word) else rf"\b{re.escape(word)}\b"


def direction_flips(s: str) -> list[str]:
    """`s` with one direction word or phrase swapped for its opposite, one version per place and swap."""
    out = []
    for a, b in DIRECTION_OPPOSITES:
        for x, y in ((a, b), (b, a)):
            out += [s[: m.start()] + y + s[m.end() :] for m in re.finditer(_pattern(x), s)]
    return out


def negation_toggles(s: str) -> list[str]:
    """`s` with its first "is not" made "is" (and so on), or its first "is" made "is not"."""
    out = []
    for neg, pos in NEGATIONS:
        if neg in s:
            out.append(s.replace(neg, pos, 1))
        elif pos in s:
            out.append(s.replace(pos, neg, 1))
    return out
