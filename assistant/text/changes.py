"""Changes of a rule: a sentence that moves a figure from one value to another ("is lowered from 80 million
yuan to 60 million yuan", 由每月1500元提高至每月2000元) and the date it applies from ("With effect from 1
October 2025", 自2025年9月1日起). A later notice's change supersedes the earlier value from that date.

Read by grammar, not by the wording of any notice: a figure going up or down (`numbers`' direction) from one
value to another of the same kind, and a date the sentence says it applies from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.text.numbers import Quantity, read_quantities, word_direction
from assistant.text.words import CHANGE_VERBS, CHINESE_CHANGE_VERBS, CHINESE_DOWN, CHINESE_UP, MONTHS

_MONTH = "|".join(MONTHS)
_YEAR = r"((?:19|20)\d{2})"
# The words before a date that say a rule applies from it (not "on 1 March" or "by 1 March": events, ends).
_FROM = (
    r"(?:with\s+effect\s+from|effective(?:\s+from|\s+on|\s+as\s+of)?|as\s+(?:of|from)|from"
    r"|starting(?:\s+on|\s+from)?|beginning(?:\s+on)?|takes?\s+effect\s+on"
    r"|comes?\s+into\s+(?:force|effect)\s+(?:on|from))\s+(?:the\s+)?"
)
# ... and in a sentence that changes a figure, the day it does so ("will rise to £5 from £4 on 1 July 2026")
_ON = r"(?:on|in)\s+(?:the\s+)?"


def _dates(before: str) -> tuple:
    """Patterns of a date after `before` (1 October 2025, October 1, 2025, October 2025, 2025-10-01), each
    with the groups of its year, month and day (0: the first)."""
    return (
        (
            re.compile(rf"\b{before}(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\s*,?\s+{_YEAR}\b", re.I),
            (3, 2, 1),
        ),
        (
            re.compile(rf"\b{before}({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+{_YEAR}\b", re.I),
            (3, 1, 2),
        ),
        (re.compile(rf"\b{before}({_MONTH})\s+{_YEAR}\b", re.I), (2, 1, 0)),
        (re.compile(rf"\b{before}{_YEAR}-(\d{{2}})-(\d{{2}})\b", re.I), (1, 2, 3)),
    )


_ENGLISH_DATES = _dates(_FROM)
_CHANGE_DATES = _dates(_ON)
# 自2025年9月1日起, 从2025年9月起, 2025年9月1日起施行
_CHINESE_DATE = re.compile(r"(?:自|从)?((?:19|20)\d{2})年(\d{1,2})月(?:(\d{1,2})日)?(?:起|开始)")
# A rule in force from its document's own day: "with immediate effect", 自发布之日起施行
_AT_ONCE = re.compile(
    r"\b(?:with\s+immediate\s+effect|effective\s+immediately|with\s+effect\s+from\s+today|from\s+today)\b"
    r"|自(?:发布|印发|公布|颁布|下发)之日起",
    re.I,
)
ISO_DAY = re.compile(r"(?:19|20)\d{2}-\d{2}-\d{2}")
# "From the same date", 同日起: the date of the change stated before it in the document
_SAME_DATE = re.compile(r"\b(?:from|as\s+of|with\s+effect\s+from)\s+(?:the\s+)?same\s+(?:date|day)\b|同日起",
                        re.I)  # fmt: skip
# Between the two values of a Chinese change: the unit left after the first (月 of 6个月), a verb, then
# 至/为/到 and the unit of the second (每月): 由6个月缩短为3个月, 由每月1500元提高至每月2000元.
_CHINESE_BETWEEN = re.compile(r"[月年天日个人次元]*([\u4e00-\u9fff]{1,4}?)[至为到](?:每[月年人次])?")
# Between a new value and the old one it replaces: "to 3 months from 6 months", "to £15,000 (previously
# £12,000)", "to 3.60 yuan, up from 3.20 yuan".
_BEFORE_OLD = re.compile(
    r"\s*[(,]?\s*(?:from|previously|formerly|was|up\s+from|down\s+from)\s+(?:each\s+|a\s+)?", re.I
)
# A value set anew by a word of change: "increases to £15,000", "is adjusted to 800万元".
_SET_TO = re.compile(r"\b([A-Za-z]+)\s+(?:to|at)\s+$")
_CHINESE_SET_TO = re.compile(
    rf"(?:{'|'.join(CHINESE_CHANGE_VERBS + CHINESE_UP + CHINESE_DOWN)})[为至到](?:每[月年人次])?(?:最高)?$"
)
_DATE_KINDS = ("year", "month", "day", "month_of_year", "half", "quarter", "months", "span", "label",
               "ordinal")  # fmt: skip


@dataclass(frozen=True)
class Change:
    """A figure moved by a rule: from `old` to `new` (offsets within the sentence it was read from)."""

    old: Quantity | None  # None: the sentence sets only the new value ("上限调整为800万元"); the old one is
    new: Quantity  # the same measure as an earlier statement of its issuer gave it


def effective_date(sentence: str, published: str = "") -> str:
    """The date (YYYY-MM-DD) a sentence says its rule applies from, or "" ("from", "with effect from", "comes
    into force on"; in a sentence that changes a figure, "on" too). A month alone is its first day; "with
    immediate effect", 自发布之日起 is the day its document was `published` (YYYY-MM-DD)."""
    if _AT_ONCE.search(sentence) and ISO_DAY.fullmatch(published or ""):
        return published
    for patterns, changing in ((_ENGLISH_DATES, False), (_CHANGE_DATES, True)):
        for pattern, (y, m, d) in patterns:
            found = pattern.search(sentence)
            if found and (not changing or read_changes(sentence)):  # "on 1 July": only a change's day
                month = found.group(m)
                month = int(month) if month.isdigit() else MONTHS.index(month.lower()) + 1
                return _ymd(int(found.group(y)), month, int(found.group(d)) if d else 1)
    found = _CHINESE_DATE.search(sentence)
    if found:
        return _ymd(int(found.group(1)), int(found.group(2)), int(found.group(3) or 1))
    return ""


def same_date(sentence: str) -> bool:
    """Does a sentence apply from the date of the one before it ("From the same date, …")?"""
    return bool(_SAME_DATE.search(sentence))


def read_changes(sentence: str) -> list[Change]:
    """The figures a sentence moves from one value to another: "raised from 20 million yuan to 25 million
    yuan", "reduced to 3 months from 6 months", 由6个月缩短为3个月. Two values of one kind, joined by
    from … to (a figure going up or down, as `numbers` reads it) or 由…至/为; a span ("from 10 to 50
    employees", "1000元至5000元") moves nothing."""
    raw = [q for q in read_quantities(sentence) if q.kind not in _DATE_KINDS]
    figures = [_level(q) for q in raw]
    counted = {id(level): q.noun for level, q in zip(figures, raw, strict=True)}  # the words after each
    out, paired = [], set()
    for a, b in zip(figures, figures[1:], strict=False):
        if a.kind != b.kind:
            continue
        between = sentence[a.end : b.start]
        before = sentence[max(0, a.start - 6) : a.start]
        moved = a.direction or b.direction or _changing(sentence, a.start)
        if (
            re.fullmatch(r"\s+to\s+(?:each\s+|a\s+)?", between, re.I)
            and moved
            and re.search(r"\bfrom\s+$", sentence[: a.start], re.I)
        ):
            out.append(Change(a, b))
        elif moved and _BEFORE_OLD.fullmatch(between):
            # "cut to 3 months from 6 months", "to £2,500 from £2,000 per apprentice": what both count follows
            # the old value
            out.append(Change(b, replace(a, noun=counted[id(b)])))
        elif re.search(r"[由从](?:每[月年人次])?$", before) and _CHINESE_BETWEEN.fullmatch(between):
            out.append(Change(a, b))
        else:
            continue
        paired |= {id(a), id(b)}
    for q in figures:  # "the cap is adjusted to 800万元", "上限调整为800万元": the new value alone
        verb = _SET_TO.search(sentence[: q.start])
        english = verb is not None and _changes(verb.group(1).lower())
        if id(q) not in paired and (
            english or _CHINESE_SET_TO.search(sentence[max(0, q.start - 8) : q.start])
        ):
            out.append(Change(None, q))
    return out


def _changing(sentence: str, at: int) -> bool:
    """Is a word of change (up or down, or setting anew) among the three words before a figure?"""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", sentence[max(0, at - 30) : at])[-3:]]
    return any(_changes(w) for w in words)


def _changes(word: str) -> bool:
    """A word of change: going up or down (the direction lexicon), or setting anew ("adjusted")."""
    return bool(word_direction(word)) or word in CHANGE_VERBS


def _level(q: Quantity) -> Quantity:
    """A changed value as a level: "from 80 million yuan" is 80 million yuan; the words after an old value
    are the new one, not what it counts."""
    if not q.text.lower().startswith("from "):
        return q
    at = len(q.text) - len(q.text[4:].lstrip())
    return replace(q, text=q.text[at:], start=q.start + at, noun=[])


def effective_dates(sentences: list[str], published: str = "") -> list[str]:
    """Each sentence's effective date, in document order: its own; else, for a sentence that changes a
    figure or says "the same date", the last one stated before it in the document (a notice's later
    items apply from the date its first gives); else ""."""
    out, last = [], ""
    for sentence in sentences:
        own = effective_date(sentence, published)
        if own:
            last = own
        elif last and (same_date(sentence) or read_changes(sentence)):
            own = last
        out.append(own)
    return out


def _ymd(year: int, month: int, day: int) -> str:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def day_words(day: str) -> str:
    """A YYYY-MM-DD date as people write it: 1 October 2025 (anything else as given)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", day or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return day
    return f"{int(m.group(3))} {MONTHS[int(m.group(2)) - 1].title()} {m.group(1)}"
