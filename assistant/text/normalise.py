"""Normalising text and dates: plain string functions shared by the readers, ingest and reasoning."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime

log = logging.getLogger(__name__)

CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # CJK ideographs (unified and extension A)


def cjk_share(text: str) -> float:
    """Share of CJK ideographs among the letters of `text` (0 for text without letters)."""
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if CJK_CHAR.match(c)) / len(letters) if letters else 0.0


def unreadable_by(english_only: bool, text: str) -> bool:
    """Is `text` beyond an English-only embedder (mostly Chinese)? Its vectors would then be noise."""
    return english_only and cjk_share(text) >= 0.5


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
