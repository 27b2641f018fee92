"""Normalising text and dates: plain string functions shared by the readers, ingest and reasoning."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # CJK ideographs (unified and extension A)


@lru_cache(maxsize=1)
def _simplified() -> dict[int, int]:
    import opencc

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    pairs = (line.split("\t") for line in table.read_text(encoding="utf-8").splitlines() if "\t" in line)
    return {ord(t): ord(s.split()[0]) for t, s in pairs if len(t) == 1 and len(s.split()[0]) == 1}


def fold(text: str) -> str:
    """Traditional Chinese characters as simplified ones, one for one (OpenCC's character table), so 萬, 億,
    增長 and 朝陽 match 万, 亿, 增长 and 朝阳. Same length, so offsets hold; for matching only: quotes keep
    the original text."""
    return text.translate(_simplified()) if CJK_CHAR.search(text) else text


def cjk_share(text: str) -> float:
    """Share of CJK ideographs among the letters of `text` (0 for text without letters)."""
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if CJK_CHAR.match(c)) / len(letters) if letters else 0.0


def is_chinese(text: str) -> bool:
    """Mostly Chinese: half or more of its letters are CJK ideographs."""
    return cjk_share(text) >= 0.5


_CJK_RUN = re.compile(f"(?:{CJK_CHAR.pattern})+")
_LATIN_WORD = re.compile(r"[A-Za-z]{4,}")


@lru_cache(maxsize=8192)
def _syllables(text: str) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """Each run of Chinese characters with every reading of each character (朝: zhao, chao), as a name may
    take the rarer one (朝阳 is Chaoyang)."""
    from pypinyin import Style, pinyin

    return tuple(
        (run, tuple(tuple(dict.fromkeys(r)) for r in pinyin(fold(run), style=Style.NORMAL, heteronym=True)))
        for run in _CJK_RUN.findall(text)
    )


def spelled_by(word: str, text: str) -> str:
    """The consecutive Chinese characters of `text` whose pinyin is a word in Latin letters (Qingxi: 清溪),
    or "". Words under four letters are too ambiguous to try."""
    if not _LATIN_WORD.fullmatch(word) or not CJK_CHAR.search(text):
        return ""
    word = word.lower()
    for run, readings in _syllables(text):
        if len(readings) != len(run):
            continue  # pinyin did not give one reading per character
        for i in range(len(readings)):
            end = _spell(word, readings, i)
            if end:
                return run[i:end]
    return ""


def _spell(rest: str, readings: tuple[tuple[str, ...], ...], i: int) -> int:
    """Where a spelling of `rest` by one reading per character from character i ends, or 0."""
    if i >= len(readings):
        return 0
    for r in readings[i]:
        if rest == r:
            return i + 1
        if r and rest.startswith(r):
            end = _spell(rest[len(r) :], readings, i + 1)
            if end:
                return end
    return 0


def romanised_in(word: str, text: str) -> bool:
    """Is a word in Latin letters ("Qingxi") the pinyin of consecutive Chinese characters of `text` (清溪)?
    So an English claim can name a place that a Chinese document writes in characters."""
    return bool(spelled_by(word, text))


_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")


def shares_romanised_name(a: str, b: str) -> bool:
    """Of two texts in different scripts, does a capitalised word of the Latin one spell in pinyin characters
    of the Chinese one (Songhe, 松河; Beijing, 北京)? A name, the one word both can share."""
    return bool(romanised_names(a, b))


def romanised_names(a: str, b: str) -> list[str]:
    """The names two texts in different scripts share, as the Chinese one writes them (北京 for Beijing)."""
    latin, chinese = (b, a) if is_chinese(a) else (a, b)
    found = (spelled_by(w, chinese) for w in dict.fromkeys(_CAPITALISED.findall(latin)))
    return list(dict.fromkeys(n for n in found if n))


def other_script(a: str, b: str) -> bool:
    """One text mostly Chinese, the other not: no word of one can match a word of the other."""
    return is_chinese(a) != is_chinese(b)


def unreadable_by(english_only: bool, text: str) -> bool:
    """Is `text` beyond an English-only embedder (mostly Chinese)? Its vectors would then be noise."""
    return english_only and is_chinese(text)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def normalise(text: str) -> str:
    """NFKC (non-breaking spaces become spaces), Unix newlines, no trailing blanks, at most one empty line."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n")).translate(_INVISIBLE)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y年%m月%d日",
)


def normalise_date(value: str) -> str:
    """Dates in common written forms to YYYY-MM-DD; '' when not understood."""
    value = (value or "").strip()
    if not value:
        return ""
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if m:
        value = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    log.debug("date %r not understood", value)
    return ""
