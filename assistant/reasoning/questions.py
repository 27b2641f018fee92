"""Reading a question: its names (entities) and follow-up rewriting against the previous turn."""

from __future__ import annotations

import re

from assistant.text.words import MONTHS, NUMBER_VALUES, ORDINALS, QUESTION_WORDS, STOP_WORDS

# Numbers and dates are compared as figures, not required as names (nor the words that hedge a figure).
_NUMBER_NAMES = (
    {w for w in NUMBER_VALUES if " " not in w} | set(ORDINALS) | set(MONTHS)
    | {"a", "an", "some", "over", "more", "nearly", "about", "around"}
)  # fmt: skip
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w.'-]*[\w]|\b\d+\.\d+\b")


def is_year(text: str) -> bool:
    """Is the text a year (1900-2099) and nothing else?"""
    return _YEAR.fullmatch(text) is not None


def entities(text: str) -> list[str]:
    """Names (capitalised words, a leading question word excepted), years, version numbers like 2.0."""
    found: list[str] = []
    for i, m in enumerate(_CAPITAL_WORD.finditer(text)):
        word = re.sub(r"['’]s$", "", m.group(0))
        if word.lower() in _NUMBER_NAMES:
            continue
        if m.start() == len(text) - len(text.lstrip()) and word.lower() in QUESTION_WORDS:
            continue
        if i == 0 and m.start() == len(text) - len(text.lstrip()) and word.lower() in STOP_WORDS:
            continue  # "That was ...", "The city ...": capitalised by position, not a name
        if i == 0 and m.start() == 0 and word.lower() in QUESTION_WORDS:
            continue
        found.append(word)
    found.extend(m.group(0) for m in _YEAR.finditer(text))
    return list(dict.fromkeys(found))


# ---- follow-up questions -------------------------------------------------------------------------------

_FOLLOW_UP = re.compile(
    r"^\W*(and|what about|how about|and what about|and how about|what of|same for|also)\b", re.I
)
_PRONOUN = re.compile(r"\b(it|they|them|this|that|these|those|its|their|there)\b", re.I)
_LEAD = re.compile(
    r"^\W*(and|what about|how about|and what about|and how about|what of|same for|also)\W*", re.I
)
_PLACE_PREP = re.compile(r"^(in|at|for|from|of|about|on)\s+", re.I)


def is_follow_up(text: str) -> bool:
    """Elliptical or pronoun-led questions that only make sense with the previous turn."""
    words = re.findall(r"\w+", text)
    if _FOLLOW_UP.match(text):
        return True
    return len(words) <= 6 and bool(_PRONOUN.search(text)) and not entities(text)


def rewrite(text: str, history: list[tuple[str, str]] | None) -> str:
    """Make a follow-up self-contained using the last question: swap the entity, add the focus, or
    replace the pronoun. Questions that stand on their own are returned unchanged."""
    if not history or not is_follow_up(text):
        return text
    previous = history[-1][0].strip()
    fragment = _LEAD.sub("", text).strip().rstrip("?").strip()
    fragment = _PLACE_PREP.sub("", fragment)
    new_entities = entities(fragment)
    old_entities = entities(previous)
    if new_entities and not _PRONOUN.search(fragment):
        new_years = [e for e in new_entities if _YEAR.fullmatch(e)]
        old_years = [e for e in old_entities if _YEAR.fullmatch(e)]
        old_names = [e for e in old_entities if not _YEAR.fullmatch(e)]
        if new_years and old_years and len(new_entities) == len(new_years):
            return previous.replace(old_years[0], new_years[0])
        if old_names:
            # Swap the run of capitalised words holding the first old name: "Beijing" -> "Harbor City".
            run = re.search(rf"\b{re.escape(old_names[0])}(?:\s+[A-Z][\w'-]*)*", previous)
            target = run.group(0) if run else old_names[0]
            return previous.replace(target, fragment, 1)
        return f"{previous.rstrip('?')} in {fragment}?"
    topic = re.sub(
        r"^\W*(how many|how much|what|which|who|when|where|is|are|was|were)\b\s*", "", previous, flags=re.I
    )
    topic = topic.rstrip("?").strip()
    if _PRONOUN.search(fragment) and not _FOLLOW_UP.match(text):
        return _PRONOUN.sub(lambda m: f"({topic})", text, count=1)
    return f"What about {fragment}, for: {topic}?"
