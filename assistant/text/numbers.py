"""Quantities in text: counts, decimals, percentages, percentage points, money, number words, ordinals,
years and months, ranges, and the qualifiers around them ("over 140", "at least 100", "nearly 3,000").

A quantity carries the interval it asserts, so a fact-check can ask whether one statement implies another:
"over 140" lies inside "more than 100", but not inside "more than 200".
"""

from __future__ import annotations

import calendar
import functools
import math
import re
from dataclasses import dataclass, field

from assistant.text.lexicon import chinese_directions, join_phrases, lexicon_direction
from assistant.text.normalise import CJK_CHAR, fold, is_chinese
from assistant.text.words import (
    CHINESE_DOWN,
    CHINESE_MEASURE_WORDS,
    CHINESE_UP,
    DIRECTION_DOWN,
    DIRECTION_UP,
    FIGURE_CHANGE,
    FIGURE_COMPARED,
    LEVEL_WORDS,
    MONTHS,
    NEGATIONS,
    NUMBER_VALUES,
    ORDINALS,
)

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
           "b": 1e9, "trillion": 1e12, "tn": 1e12}  # fmt: skip
_CURRENCIES = {
    "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "¥": "CNY", "usd": "USD", "us$": "USD", "$": "USD",
    "dollars": "USD", "dollar": "USD", "eur": "EUR", "€": "EUR", "euros": "EUR", "euro": "EUR",
    "£": "GBP", "gbp": "GBP", "pounds": "GBP",
}  # fmt: skip
# qualifier -> (how the stated value bounds the real one)
_QUALIFIERS = {
    "more than": "gt", "over": "gt", "above": "gt", "exceeding": "gt", "in excess of": "gt",
    "upwards of": "gt", "at least": "ge", "no less than": "ge", "not less than": "ge", "no fewer than": "ge",
    "a minimum of": "ge",
    "nearly": "nearly", "almost": "nearly", "close to": "about", "about": "about", "around": "about",
    "approximately": "about", "roughly": "about", "some": "about", "an estimated": "about",
    "up to": "le", "at most": "le", "no more than": "le", "a maximum of": "le", "not more than": "le",
    "less than": "lt", "under": "lt", "below": "lt", "fewer than": "lt",
}  # fmt: skip

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ ]\d{3})+(?![\d,.])|\d+(?:\.\d+)?"
_WORDS = "|".join(sorted((re.escape(w) for w in NUMBER_VALUES), key=len, reverse=True))
_QUALS = "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))
_QUANTITY = re.compile(
    rf"""
    (?:(?P<between>between|from)\s+)?
    (?:(?P<qual>{_QUALS})\s+)?
    (?P<cur>RMB|CNY|USD|GBP|US\$|\$|¥|€|£|EUR)?\s?
    (?P<num>{_NUM}|\b(?:{_WORDS})\b)(?!(?:st|nd|rd|th)\b)
    (?:\s?(?:-|–|to|(?(between)and|(?!)))\s?(?P<cur2>RMB|US\$|\$|¥|€|£)?(?P<num2>{_NUM}))?
    (?:\s?(?P<scale>thousand|million|billion|trillion|mn|bn|tn|[kmb])\b)?
    (?:\s?(?P<unit>%|percent\b|per\ cent\b|percentage\ points?\b|pp\b
        |yuan\b|(?:US\ )?dollars?\b|euros?\b|pounds\b|RMB\b|CNY\b|USD\b|GBP\b))?
    """,
    re.I | re.X,
)
# Chinese: qualifiers before the figure, 余/多 after it ("2000余家": more than 2,000), 万/亿 scales,
# 百分之 and 个百分点, and the measure words that make a figure a count.
_CN_QUALIFIERS = {
    "超过": "gt", "逾": "gt", "超": "gt", "多于": "gt", "高于": "gt", "至少": "ge", "不少于": "ge",
    "不低于": "ge", "将近": "nearly", "接近": "nearly", "近": "nearly", "约": "about", "大约": "about",
    "不到": "lt", "不足": "lt", "低于": "lt", "少于": "lt", "最多": "le", "不超过": "le",
}  # fmt: skip
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_SCALES = {"万": 1e4, "亿": 1e8}
_CN_NUM = "[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?"
_CN_QUANTITY = re.compile(
    rf"""
    (?P<qual>{"|".join(sorted(_CN_QUALIFIERS, key=len, reverse=True))})?
    (?P<ord>第)?
    (?P<pct>百分之)?
    (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|{_CN_NUM})
    (?P<scale>[万亿]+)?
    (?P<approx>余|多)?
    (?P<unit>%|％|个百分点|元|美元|欧元|年|[{CHINESE_MEASURE_WORDS}])?
    (?P<about>左右)?
    """,
    re.X,
)
_ORDINAL = re.compile(rf"\b({'|'.join(ORDINALS)}|\d+(?:st|nd|rd|th))\b", re.I)
_MONTH_YEAR = re.compile(rf"\b({'|'.join(MONTHS)})\s+(?:(\d{{1,2}}),?\s+)?((?:19|20)\d{{2}})\b", re.I)
_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:in|since|by|of|from|until|till|before|after|during|for|year|end|early|late|mid|fiscal|to|and)\s*)$",
    re.I,
)
_NOUN = re.compile(r"[A-Za-z][A-Za-z-]*")
# A small number after a word that names by number ("type 1 diabetes", "Phase 3 trials", "Article 5"): a
# name, not an amount.
_LABEL_BEFORE = re.compile(
    r"\b(?:type|phase|stage|grade|class|tier|article|chapter|section|clause|schedule)\s$", re.I
)
_LABEL_AFTER = re.compile(r"\s?(?:(?:plan|version|edition|era|initiative)\b|方案|版本|计划)", re.I)
# Parts of a year: "the first half", "Q3", 上半年, 第一季度. They say when, like a year, not how many.
# `months` is a running total from January: the first eight months, 前8个月, 1-7月, January to June, and
# 前三季度 (nine). The first half is the first six months, the first quarter the first three (`period_key`).
PARTS = ("half", "quarter", "months", "span")
CONTEXT_KINDS = ("year", "label", *PARTS)  # figures that place a statement rather than state a fact
_PART = re.compile(rf"\b({'|'.join(list(ORDINALS)[:4])}|[1-4](?:st|nd|rd|th))\s+(half|quarter)\b", re.I)
_PART_SHORT = re.compile(r"\b(?:Q([1-4])|H([12]))(?=[\s-]?(?:19|20)\d{2}\b)")  # Q3 2024, H1 2025
_CN_PART = re.compile(r"([上下])半年|(?<!前)第?([一二三四1-4])季度")  # 前三季度 is three quarters together
_CN_SMALL = "[一二两三四五六七八九十]{1,2}"
_MONTH_ALTERNATION = "|".join(MONTHS).title()
_RUNNING = [  # (pattern, months per unit): group 1 is the last month (or quarter) from January
    (re.compile(rf"前({_CN_SMALL}|1[0-2]|[1-9])个?月"), 1),
    (re.compile(r"(?<![\d.])1月?份?\s*[-~—–至到]\s*(1[0-2]|[2-9])月份?"), 1),
    (re.compile(r"前([二两三2-3])个?季度"), 3),
    (re.compile(r"(?<![\d.])(?:1|一)\s*[-~—–至到]\s*([二三2-3])季度"), 3),
    (re.compile(rf"\bfirst\s+({'|'.join(list(NUMBER_VALUES)[1:11])}|1[0-1]|[2-9])\s+months\b", re.I), 1),
    (re.compile(r"\bfirst\s+(two|three|2|3)\s+quarters\b", re.I), 3),
    (re.compile(rf"\bJanuary\s*(?:to|through|until|-|–)\s*({'|'.join(MONTHS[1:]).title()})\b", re.I), 1),
]
# Other spans of months (6月至8月, 8月份, June to August): kind `span`, valued first * 100 + last (608, 808).
_SPANS = [
    re.compile(r"(?<![\d.])([2-9]|1[0-2])月?份?\s*[-~—–至到]\s*(1[0-2]|[2-9])月份?"),
    re.compile(r"(?<![\d.])()(1[0-2]|[1-9])月份"),
    re.compile(
        rf"\b({'|'.join(MONTHS[1:]).title()})\s*(?:to|through|until|-|–)\s*({_MONTH_ALTERNATION})\b", re.I
    ),
]
# Dates: 2025年3月1日 is read as "March 2025" (the month kind, as in English); 6月30日 and "June 30", with no
# year, as a day of the year; 6月底, a month's end without its year, as month_of_year; 3月份 is a span.
_CN_DATE = re.compile(r"(?:((?:19|20)\d{2})年)?(1[0-2]|0?[1-9])月(?:(3[01]|[12]\d|0?[1-9])[日号])?")
_MONTH_NAMES = "|".join(m.capitalize() for m in MONTHS)
_MONTH_DAY = re.compile(rf"\b({_MONTH_NAMES})\s+(3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b")
_DAY_MONTH = re.compile(rf"\b(3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s+({_MONTH_NAMES})\b(\s+(?:19|20)\d\d)?")
_DAY_LEAD = re.compile(r"\b(?:on|by|until|till|before|after|from|since|to|through)\s+$", re.I)
_FUNCTION = {
    "of",
    "the",
    "a",
    "an",
    "new",
    "and",
    "in",
    "were",
    "was",
    "have",
    "has",
    "had",
    "been",
    "are",
    "is",
}


@dataclass
class Quantity:
    """One figure as written, what kind it is, and the interval of values it asserts."""

    text: str
    start: int
    end: int
    kind: str  # count | percent | pp | money:CNY | money:USD | money:EUR | year | month | ordinal | label
    # | month_of_year (6月底: a month's end, its year not said; see place_in_year)
    # | half | quarter (which part of a year: first half and 上半年 are half 1) | day (June 30: 6.30)
    value: float
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    qualifier: str = ""  # gt ge lt le about nearly range, or "" when exact
    noun: list[str] = field(default_factory=list)  # the words right after it: what is counted
    direction: int = 0  # a change's: +1 up ("rose 3.7%", 增长3.7%), -1 down, 0 unsaid or a level
    as_of: bool = False  # a month's end a running total is given at (截至6月底), placed by place_in_year
    negated_from: int = -1  # where a negation turning its bound starts ("can't charge more than £31")

    def implies(self, other: Quantity) -> bool:
        """Every value this statement allows is allowed by `other` ('over 140' implies 'more than 100')."""
        if self.kind != other.kind:
            return False
        lo_ok = self.low > other.low or (
            math.isclose(self.low, other.low, rel_tol=1e-9) and (self.low_open or not other.low_open)
        )
        hi_ok = self.high < other.high or (
            math.isclose(self.high, other.high, rel_tol=1e-9) and (self.high_open or not other.high_open)
        )
        return lo_ok and hi_ok

    def overlaps(self, other: Quantity) -> bool:
        """Could this statement in a source and `other` in a claim both be true: their intervals share a
        value ('over 7,000' and 7,035; 'March 2025' and March 1, 2025)? Read as people mean them: a bound
        states its figure ('at least 100 beds' and 'at least 200 beds' do not both hold; nor 'over 140' and
        'over 200'), and an open source figure reaches only to the next step of its last digit ('over 140'
        is under 150, 超7000 under 8,000)."""
        if self.kind != other.kind:
            return False
        if (math.isinf(self.high) and math.isinf(other.high)) or (
            math.isinf(self.low) and math.isinf(other.low)
        ):
            return False  # two bounds the same way: their figures differ, or one would imply the other
        high, high_open = self.high, self.high_open
        if math.isinf(high):
            high, high_open = self.low + digit_step(self.low), True
        return not _below(high, high_open, other.low, other.low_open) and not _below(
            other.high, other.high_open, self.low, self.low_open
        )


def _below(high: float, high_open: bool, low: float, low_open: bool) -> bool:
    """Does an interval ending at `high` lie wholly below one starting at `low`?"""
    return high < low or (high == low and (high_open or low_open))


def digit_step(value: float) -> float:
    """The step of a figure's last written digit: 10 for 140, 1,000 for 7,000, 0.1 for 16.4."""
    if value <= 0:
        return 1.0
    if float(value).is_integer():
        n, step = int(value), 1.0
        while n % 10 == 0 and n:
            n, step = n // 10, step * 10
        return step
    written = repr(float(value))
    decimals = len(written.split(".")[1].rstrip("0")) if "." in written else 0
    return 10.0 ** -min(decimals, 6)


def _to_number(raw: str) -> float | None:
    raw = raw.strip().lower()
    if raw in NUMBER_VALUES:
        return float(NUMBER_VALUES[raw])
    try:
        return float(raw.replace(",", "").replace(" ", ""))
    except ValueError:
        return None


def _interval(value: float, qual: str) -> tuple[float, float, bool, bool]:
    if qual == "gt":
        return value, math.inf, True, False
    if qual == "ge":
        return value, math.inf, False, False
    if qual == "lt":
        return -math.inf, value, False, True
    if qual == "le":
        return -math.inf, value, False, False
    if qual == "about":
        return value * 0.9, value * 1.1, False, False
    if qual == "nearly":
        return value * 0.9, value, False, True
    return value, value, False, False


_LETTER_BEFORE = re.compile(r"[A-Za-z]-?$")
_CAPITAL_AFTER = re.compile(r"[A-Z]|['′]")


def _in_identifier(text: str, start: int, end: int) -> bool:
    """Digits inside a name are not figures: p53, B12, HNF4A, CED-10, COVID-19, 6MP, 5'-nucleotidase."""
    return bool(_LETTER_BEFORE.search(text[max(0, start - 2) : start])) or bool(
        _CAPITAL_AFTER.match(text, end)
    )


def read_quantities(text: str) -> list[Quantity]:
    """All quantities in `text`, left to right; traditional Chinese is read as simplified (萬 as 万)."""
    original, text = text, fold(text)
    found: list[Quantity] = _running(text)
    taken: list[tuple[int, int]] = [(q.start, q.end) for q in found]
    for m in _MONTH_YEAR.finditer(text):
        if _taken(taken, m.start()):
            continue
        month = MONTHS.index(m.group(1).lower()) + 1
        found.append(_month(m, int(m.group(3)), month, m.group(2)))
        taken.append((m.start(), m.end()))
    for m in _CN_DATE.finditer(text):
        if _taken(taken, m.start(2)):
            continue
        year, month, day = m.group(1), int(m.group(2)), m.group(3)
        if year:
            found.append(_month(m, int(year), month, day))
        elif day:
            found.append(_day(m, month, int(day)))
        elif text[m.end() : m.end() + 1] in ("底", "末"):  # 截至6月底: the end of June of a year not said
            end = m.end() + 1
            found.append(
                Quantity(text[m.start() : end], m.start(), end, "month_of_year", month, month, month)
            )
        taken.append((m.start(), m.end()))
    for m in _MONTH_DAY.finditer(text):  # June 30, only after "by", "on"... or before a comma
        dated = _DAY_LEAD.search(text[: m.start()]) or text[m.end() : m.end() + 1] == ","
        if dated and not _taken(taken, m.start()):
            found.append(_day(m, MONTHS.index(m.group(1).lower()) + 1, int(m.group(2))))
            taken.append((m.start(), m.end()))
    for m in _DAY_MONTH.finditer(text):  # 30 June; 30 June 2025 is read as June 2025 above
        if not _taken(taken, m.start()):
            if not m.group(3):
                found.append(_day(m, MONTHS.index(m.group(2).lower()) + 1, int(m.group(1))))
            taken.append((m.start(), m.end()))
    for q in _parts(text):
        if _taken(taken, q.start):
            continue
        found.append(q)
        taken.append((q.start, q.end))
    for m in _CN_QUANTITY.finditer(text):
        if _taken(taken, m.start("num")):
            continue
        q = _from_chinese(m)
        if q is not None:
            found.append(q)
            taken.append((q.start, q.end))
    for m in _QUANTITY.finditer(text):
        if _taken(taken, m.start("num")):
            continue
        q = _from_match(text, m)
        if q is not None:
            found.append(q)
            taken.append((q.start, q.end))
    for m in _ORDINAL.finditer(text):
        if _taken(taken, m.start()):
            continue
        word = m.group(1).lower()
        value = float(ORDINALS.get(word) or int(re.sub(r"\D", "", word)))
        q = Quantity(m.group(0), m.start(), m.end(), "ordinal", value, value, value)
        q.noun = _noun_after(text, m.end())
        found.append(q)
    for q in found:
        first = q.text.split()[0].lower() if " " in q.text else ""  # "from 3%", "between 3% and 4%": levels
        if q.kind in _CHANGE_KINDS and q.qualifier != "range" and first not in LEVEL_WORDS:
            q.direction = _change_direction(text, q)
        elif q.kind == "count" or q.kind.startswith("money"):
            q.direction = _amount_direction(text, q)
        q.text = original[q.start : q.end]
    return sorted(found, key=lambda q: q.start)


_CHANGE_KINDS = ("percent", "pp")
_REACH_BEFORE = 6  # words before a change figure its verb may stand ("cut its land fees by 15%")
_WORD_OR_STOP = re.compile(r"[A-Za-z][A-Za-z-]*|[,.;:!?()]")


@functools.cache
def _chinese_change() -> tuple[re.Pattern, dict[str, int]]:
    """A Chinese word of change ending right before a figure (同比增长, 削减了), and each word's sign: the
    short list of words.py (single characters too: 增, 减), then the lexicon's CC-CEDICT words."""
    signs = {**chinese_directions(), **{w: 1 for w in CHINESE_UP}, **{w: -1 for w in CHINESE_DOWN}}
    words = "|".join(sorted(signs, key=len, reverse=True))
    return re.compile(rf"({words})了?\s*$"), signs


def _chinese_sign(text: str, q: Quantity) -> int:
    """+1 / -1 when a Chinese word of change stands right before the figure, else 0."""
    pattern, signs = _chinese_change()
    m = pattern.search(text[max(0, q.start - 5) : q.start])
    return signs[m.group(1)] if m else 0


def word_direction(word: str) -> int:
    """+1 for a word of increase (rose, higher, increases, stepped_up), -1 for one of decrease (cut, scaled
    back), else 0: the WordNet lexicon's words and phrases, then the stems of words.py."""
    if sign := lexicon_direction(word):
        return sign
    for sign, stems in ((1, DIRECTION_UP), (-1, DIRECTION_DOWN)):
        for s in stems:
            if word.startswith(s) and (len(s) >= 5 or len(word) - len(s) <= 3):
                return sign
    return 0


def _change_direction(text: str, q: Quantity) -> int:
    """The direction a change figure is given by the words just before it (rose 3.7%, an increase of
    16.4%, 同比下降3.7%) or just after it (6.5 percentage points higher or below, a 3.7% drop), the nearer
    one when both say one; 0 for a level
    (rose to 4%, 增长至) or when none is said."""
    if sign := _chinese_sign(text, q):
        return sign
    said = []  # (words away from the figure, sign, 0 before / 1 after)
    before = join_phrases([w.lower() for w in _WORD_OR_STOP.findall(text[max(0, q.start - 60) : q.start])])
    for k, w in enumerate(reversed(before[-_REACH_BEFORE:])):
        if w in LEVEL_WORDS or not w[0].isalpha():
            break
        if sign := FIGURE_CHANGE.get(w) or word_direction(w):
            said.append((k, 0, sign))
            break
    for k, w in enumerate(_WORD_OR_STOP.findall(text[q.end : q.end + 30])[:2]):
        if not w[0].isalpha():
            break
        w = w.lower()
        if sign := FIGURE_CHANGE.get(w) or FIGURE_COMPARED.get(w) or word_direction(w):
            said.append((k, 1, sign))
            break
    return min(said)[2] if said else 0  # the nearer word: "growth was 6.5 points below" is down


def _amount_direction(text: str, q: Quantity) -> int:
    """A count or sum is a change only when a change word stands right before it (增加57家, 减少了3亿元,
    "cut 200 jobs", "cut by 200"); else it is a level (4064家, "rose to 4,064", "a limit of £500")."""
    if sign := _chinese_sign(text, q):
        return sign
    before = join_phrases([w.lower() for w in _WORD_OR_STOP.findall(text[max(0, q.start - 40) : q.start])])
    if before and before[-1] == "by":  # not "of": "a limit of £500" is a level
        before = before[:-1]
    return word_direction(before[-1]) if before else 0  # not "up": "set up 2,012 firms"


def _taken(taken: list[tuple[int, int]], at: int) -> bool:
    """Is position `at` inside a figure already read?"""
    return any(a <= at < b for a, b in taken)


def _day(m: re.Match, month: int, day: int) -> Quantity:
    """A day of a year not named (June 30, 6月30日: 6.30)."""
    value = month + day / 100
    return Quantity(m.group(0), m.start(), m.end(), "day", value, value, value)


def _month(m: re.Match, year: int, month: int, day: str | None) -> Quantity:
    """A month of a year, valued year + month/100 (March 2025: 2025.03). Its interval holds its days (as
    year + month/100 + day/10000), so "July 1, 2025" lies inside "July 2025" and not on July 15."""
    value = year + month / 100
    low, high = (value + int(day) / 1e4,) * 2 if day else (value + 1 / 1e4, value + 31 / 1e4)
    return Quantity(m.group(0), m.start(), m.end(), "month", value, low, high)


def place_in_year(figures: list[Quantity], year: int) -> list[Quantity]:
    """The figures with each end of a month whose year was not said (6月底: `month_of_year`) placed in
    `year`, as the last day of that month; until placed it matches no other figure."""
    out = []
    for q in figures:
        if q.kind == "month_of_year":
            month = int(q.value)
            last = year + month / 100 + calendar.monthrange(year, month)[1] / 1e4
            q = Quantity(q.text, q.start, q.end, "month", year + month / 100, last, last, as_of=True)
        out.append(q)
    return out


def _running(text: str) -> list[Quantity]:
    """Running totals from January (前8个月, 1-7月, the first eight months, January to June) as the number of
    months they cover; other spans of months (6月至8月, 8月份) as `span`."""
    out = []
    for pattern, per_unit in _RUNNING:
        for m in pattern.finditer(text):
            if _taken([(q.start, q.end) for q in out], m.start()):
                continue
            last = m.group(1).lower()
            n = (
                _month_number(last)
                if last.isdigit() or last in MONTHS
                else NUMBER_VALUES.get(last) or cn_number(last)
            )
            if n:
                value = float(n * per_unit)
                out.append(Quantity(m.group(0), m.start(), m.end(), "months", value, value, value))
    for pattern in _SPANS:
        for m in pattern.finditer(text):
            if _taken([(q.start, q.end) for q in out], m.start()):
                continue
            first, last = (_month_number(g) for g in (m.group(1) or m.group(2), m.group(2)))
            if first <= last:
                value = float(first * 100 + last)
                out.append(Quantity(m.group(0), m.start(), m.end(), "span", value, value, value))
    return out


def _month_number(word: str) -> int:
    """A month as its number: 8, or August."""
    return int(word) if word.isdigit() else MONTHS.index(word.lower()) + 1


def period_key(q: Quantity) -> tuple[str, float]:
    """A part of a year as the span it names, so the first half is the first six months (上半年 = 1-6月) and
    the first quarter the first three; other parts as they are."""
    if (q.kind, q.value) in (("half", 1.0), ("quarter", 1.0)):
        return "months", 6.0 if q.kind == "half" else 3.0
    return q.kind, q.value


def _parts(text: str) -> list[Quantity]:
    """Parts of a year, in English and Chinese."""
    out = []
    for m in _PART.finditer(text):
        word = m.group(1).lower()
        value = float(ORDINALS.get(word) or int(word[0]))
        out.append(Quantity(m.group(0), m.start(), m.end(), m.group(2).lower(), value, value, value))
    for m in _PART_SHORT.finditer(text):
        kind, value = ("quarter", m.group(1)) if m.group(1) else ("half", m.group(2))
        out.append(Quantity(m.group(0), m.start(), m.end(), kind, float(value), float(value), float(value)))
    for m in _CN_PART.finditer(text):
        if m.group(1):
            kind, value = "half", 1.0 if m.group(1) == "上" else 2.0
        else:
            kind, value = "quarter", float(_CN_DIGITS.get(m.group(2)) or int(m.group(2)))
        out.append(Quantity(m.group(0), m.start(), m.end(), kind, value, value, value))
    return out


def _from_match(text: str, m: re.Match) -> Quantity | None:
    raw, unit = m.group("num"), (m.group("unit") or "").lower().removeprefix("us ")
    value = _to_number(raw)
    if value is None or _in_identifier(text, m.start("num"), m.end("num")):
        return None
    cur = (m.group("cur") or m.group("cur2") or "").lower()
    scale = (m.group("scale") or "").lower()
    if (
        scale in ("m", "b", "k")
        and not cur
        and unit not in ("yuan", "rmb", "cny", "usd", "dollars", "dollar")
    ):
        scale = ""  # "5 m" of distance, "3 k" of something: only with money
    qual_text = (m.group("qual") or "").lower()
    if qual_text.startswith("up ") and _phrasal_up(text, m.start("qual")):
        qual_text = ""  # "stepped up to 310,000": the verb's particle, then a level, not a cap
    start = m.start("qual") if qual_text else m.start("cur") if m.group("cur") else m.start("num")
    if m.group("between"):
        start = m.start("between")
    end = m.end()
    if not scale and m.group("scale"):
        end = m.end("num2") if m.group("num2") else m.end("num")
    qual = _QUALIFIERS.get(qual_text, "")
    negation = _negation_before(text, start) if qual in _NEGATED else -1
    if negation >= 0:
        qual = _NEGATED[qual]  # "can't charge more than £31": at most £31
    kind = "count"
    if unit in ("%", "percent", "per cent"):
        kind = "percent"
    elif unit.startswith("percentage point") or unit == "pp":
        kind = "pp"
    elif cur or unit in _CURRENCIES:
        kind = "money:" + _CURRENCIES.get(cur or unit, "CNY")
    factor = _SCALES.get(scale, 1.0)
    value *= factor
    if kind == "count" and not scale and _is_year(text, m, raw):
        kind, qual = "year", ""
    named = _LABEL_BEFORE.search(text[max(0, m.start("num") - 12) : m.start("num")]) and value < 100
    if kind == "count" and (_LABEL_AFTER.match(text, m.end()) or named):
        kind = "label"  # "the 2.0 Plan", "Phase 2 version": a name, not an amount
    if kind == "count" and raw.lower() in ("one",) and not qual_text:
        return None  # "one of the", "one-stop": rarely a count worth checking
    low, high, low_open, high_open = _interval(value, qual)
    if m.group("num2"):
        other = _to_number(m.group("num2"))
        if other is None:
            return None
        low, high, low_open, high_open, qual = (
            min(value, other * factor),
            max(value, other * factor),
            False,
            False,
            "range",
        )
    q = Quantity(text[start:end], start, end, kind, value, low, high, low_open, high_open, qual)
    q.noun, q.negated_from = _noun_after(text, end), negation
    return q


_NEGATED = {"gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}


def _negation_before(text: str, at: int) -> int:
    """Where a negation on the verb right before `at` starts ("cannot charge more than", "must not exceed";
    not "who don't qualify get more than"); -1 when there is none."""
    offset = max(0, at - 40)
    words = list(re.finditer(r"[\w'’]+|[,.;:!?()]", text[offset:at]))[-2:]  # the verb's own: "can't charge"
    for m in reversed(words):
        w = m.group(0).lower()
        if not w[0].isalnum() or w in ("who", "that", "which", "if", "when"):
            return -1
        if w in NEGATIONS or w.endswith(("n't", "n’t")):
            return offset + m.start()
    return -1


def _phrasal_up(text: str, at: int) -> bool:
    """Is the "up" at `at` the particle of a verb of the lexicon before it (stepped up, ramped up)?"""
    before = re.findall(r"[A-Za-z-]+", text[max(0, at - 20) : at])
    return bool(before) and lexicon_direction(f"{before[-1].lower()} up") != 0


def cn_number(raw: str) -> float | None:
    """两千零一十二 -> 2012, 十六点四 -> 16.4, 二〇二四 -> 2024 (digit by digit), 3.5 -> 3.5."""
    if re.fullmatch(r"[\d,.]+", raw):
        return _to_number(raw)
    whole, _, decimals = raw.partition("点")
    if decimals and not all(c in _CN_DIGITS for c in decimals):
        return None
    if whole and all(c in _CN_DIGITS for c in whole) and len(whole) > 1:
        value = float("".join(str(_CN_DIGITS[c]) for c in whole))
    else:
        value, digit = 0.0, 0
        for c in whole:
            if c in _CN_DIGITS:
                digit = _CN_DIGITS[c]
            elif c in _CN_UNITS:
                value += (digit or 1) * _CN_UNITS[c]
                digit = 0
            else:
                return None
        value += digit
    if decimals:
        value += float("0." + "".join(str(_CN_DIGITS[c]) for c in decimals))
    return value


def _from_chinese(m: re.Match) -> Quantity | None:
    """A figure written the Chinese way; None when nothing marks it as one (a bare 2024, or 十分 'very'),
    which leaves Arabic figures to the English reader."""
    raw, unit = m.group("num"), m.group("unit") or ""
    chinese_numeral = not re.fullmatch(r"[\d,.]+", raw)
    marked = any(m.group(g) for g in ("qual", "ord", "pct", "scale", "approx", "about")) or unit not in (
        "",
        "%",
    )
    if not marked or (chinese_numeral and not (unit or m.group("scale") or m.group("pct") or m.group("ord"))):
        return None
    value = cn_number(raw)
    if value is None:
        return None
    for c in m.group("scale") or "":
        value *= _CN_SCALES[c]
    if m.group("ord"):
        kind = "ordinal"
    elif m.group("pct") or unit in ("%", "％"):
        kind = "percent"
    elif unit == "个百分点":
        kind = "pp"
    elif unit in ("元", "美元", "欧元"):
        kind = {"元": "money:CNY", "美元": "money:USD", "欧元": "money:EUR"}[unit]
    elif unit == "年":
        kind = "year" if re.fullmatch(r"(19|20)\d{2}", str(int(value))) and not m.group("scale") else "count"
    else:
        kind = "count"
    if kind == "count" and value == 1 and not m.group("qual"):
        return None  # 一个, 一项: "a", rarely a count worth checking
    qual = "gt" if m.group("approx") else _CN_QUALIFIERS.get(m.group("qual") or "", "")
    if m.group("about"):
        qual = "about"
    if kind in ("year", "ordinal"):
        qual = ""
    low, high, low_open, high_open = _interval(value, qual)
    return Quantity(m.group(0), m.start(), m.end(), kind, value, low, high, low_open, high_open, qual)


def _is_year(text: str, m: re.Match, raw: str) -> bool:
    if (
        not re.fullmatch(r"(19|20)\d{2}", raw)
        or m.group("num2")
        and not re.fullmatch(r"(19|20)\d{2}", m.group("num2"))
    ):
        return False
    if m.group("unit") or m.group("cur"):
        return False
    before = text[max(0, m.start("num") - 12) : m.start("num")]
    following = _noun_after(text, m.end(), 1)
    plural_noun = bool(following) and following[0].endswith("s") and following[0] not in ("was", "has", "is")
    return bool(_YEAR_CONTEXT.search(before)) or not plural_noun


def _noun_after(text: str, end: int, limit: int = 3) -> list[str]:
    """Lower-cased content words right after a figure ("2,012 foreign-funded enterprises" -> its noun)."""
    words = []
    for w in _NOUN.findall(re.split(r"[,.;:!?()]", text[end : end + 60], maxsplit=1)[0]):
        w = w.lower()
        if w in _FUNCTION:
            if words:
                break
            continue
        words.append(w)
        if len(words) >= limit:
            break
    return words


_ANY_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def year_words(figures: list[Quantity]) -> set[str]:
    """A claim's years as a sentence in either language writes them: 2024年 (or 二〇二四年) as 2024."""
    return {str(int(f.value)) if CJK_CHAR.search(f.text) else f.text for f in figures if f.kind == "year"}


def in_period(year: str, sentence: str, title: str, date: str = "") -> bool:
    """Is a claim's year that of the sentence: named in it, said relative to its document's date ("last
    year", 去年), or, in a Chinese sentence naming no year (全年, 当年: the year of the document), in its
    document's title?"""
    if year in sentence or year in relative_years(sentence, date):
        return True
    return is_chinese(sentence) and year in title and not _ANY_YEAR.search(sentence)


# Not a comparison with that year ("5% higher than last year", 比去年, 去年同期): that states the current one.
_RELATIVE_YEAR = re.compile(
    r"(?<!than )(?<!on )(?<!over )(?<!from )(?<!with )(?<!since )\b(last|this|next)\s+year\b"
    r"|(?<![比较与同])(去年|今年|明年|前年)(?!同期)",
    re.I,
)
_RELATIVE_SHIFT = {"last": -1, "this": 0, "next": 1, "去年": -1, "今年": 0, "明年": 1, "前年": -2}


def relative_years(text: str, date: str) -> set[str]:
    """The years a text names relative to its document's date (YYYY-MM-DD): "last year" in a report dated
    2025-02-10 is 2024, 今年 2025. Empty without a date. Words relative to the statement's own year (上年,
    "a year earlier", "the previous year": 比上年增长 compares with the year before the one reported) are
    not read here."""
    m = re.match(r"((?:19|20)\d{2})", date or "")
    if not m:
        return set()
    year = int(m.group(1))
    words = [(r.group(1) or r.group(2)).lower() for r in _RELATIVE_YEAR.finditer(text)]
    return {str(year + _RELATIVE_SHIFT[w]) for w in words}


def parts_of_year(figures: list[Quantity]) -> list[Quantity]:
    return [q for q in figures if q.kind in PARTS]


def in_part(part: Quantity, sentence: str, figures: list[Quantity], title_parts: list[Quantity]) -> bool:
    """Is a claim's part of a year (the first half, 上半年, 一季度) the sentence's (whose figures are given):
    named in it, or, in a Chinese sentence naming none, in its document's title (as for years)?"""
    named = parts_of_year(figures)
    if not named and is_chinese(sentence):
        named = title_parts
    return any(period_key(q) == period_key(part) for q in named)
