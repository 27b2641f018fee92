"""Follow-up questions: telling one (it leans on the previous turn) and rewriting it to stand alone."""

from __future__ import annotations

import re

from assistant.text.names import is_year, names

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
    return len(words) <= 6 and bool(_PRONOUN.search(text)) and not names(text)


def rewrite(text: str, history: list[tuple[str, str]] | None) -> str:
    """Make a follow-up self-contained using the last question: swap the entity, add the focus, or
    replace the pronoun. Questions that stand on their own are returned unchanged."""
    if not history or not is_follow_up(text):
        return text
    previous = history[-1][0].strip()
    fragment = _LEAD.sub("", text).strip().rstrip("?").strip()
    fragment = _PLACE_PREP.sub("", fragment)
    new_entities = names(fragment)
    old_entities = names(previous)
    if new_entities and not _PRONOUN.search(fragment):
        new_years = [e for e in new_entities if is_year(e)]
        old_years = [e for e in old_entities if is_year(e)]
        old_names = [e for e in old_entities if not is_year(e)]
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
