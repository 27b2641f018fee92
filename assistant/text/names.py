"""The names and the bare figures a text states, read one way for questions, claims and written prose.

A bare figure is a run of digits as written (2,012, 16.4, 2024): what it counts and what value it asserts
are for the quantity reader (`numbers.read_quantities`).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from assistant.text.normalise import is_chinese
from assistant.text.words import (
    CHINESE_PLACE_ENDINGS,
    MONTHS,
    NUMBER_VALUES,
    ORDINALS,
    QUESTION_WORDS,
    STOP_WORDS,
)

FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w.'-]*[\w]|\b\d+\.\d+\b")
_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’)]*\s+")
_TITLE_CASE = re.compile(r"[A-Z][a-z]+(?:[-'][A-Za-z]+)*")
_NEXT_CAPITAL = re.compile(r"\s+[A-Z][a-z]")
_NAME_RUN = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")
# Numbers and dates are compared as figures, not required as names (nor the words that hedge a figure).
_NUMBER_NAMES = (
    {w for w in NUMBER_VALUES if " " not in w} | set(ORDINALS) | set(MONTHS)
    | {"a", "an", "some", "over", "more", "nearly", "about", "around"}
)  # fmt: skip


def figures(text: str) -> list[str]:
    """Every bare figure of the text as written, in order, repeats kept."""
    return FIGURE.findall(text)


def is_year(text: str) -> bool:
    """Is the text a year (1900-2099) and nothing else?"""
    return _YEAR.fullmatch(text) is not None


def names(text: str, *, versions: bool = True, years: bool = True, figures: bool = False) -> list[str]:
    """What a text names, in order, once each: its capitalised words (not a leading question word, a leading
    stop word capitalised by position, nor a number or month word), with version numbers like 2.0 among
    them; then its years; then, with `figures`, every other bare figure. Claims leave figures out (the
    figure rules judge them), written prose its years; a question keeps them all."""
    found: list[str] = []
    lead = len(text) - len(text.lstrip())
    for i, m in enumerate(_CAPITAL_WORD.finditer(text)):
        word = re.sub(r"['’]s$", "", m.group(0))
        if word.lower() in _NUMBER_NAMES:
            continue
        if m.start() == lead and word.lower() in QUESTION_WORDS:
            continue
        if i == 0 and m.start() == lead and word.lower() in STOP_WORDS:
            continue  # "That was ...", "The city ...": capitalised by position, not a name
        if not versions and word[0].isdigit():
            continue
        found.append(word)
    if years:
        found.extend(m.group(0) for m in _YEAR.finditer(text))
    if figures:
        found.extend(FIGURE.findall(text))
    return list(dict.fromkeys(found))


def certain_names(text: str) -> list[str]:
    """The names of `names(text, versions=False, years=False)` that no position capitalised: a word inside
    a sentence, or one opening a sentence as part of a run of capitalised words ("Eli Lilly said") or that is
    no word of the language (`_vocabulary`: "Southmere set up …"), written as a place, body or person is
    (Beijing, not BRCA1 or IL-6, whose spellings vary). A lone word of the language opening a sentence
    ("Actual use of …") may be an ordinary word, so it is left out."""
    opening = {0} | {m.end() for m in _SENTENCE_BREAK.finditer(text)}
    lead = len(text) - len(text.lstrip())
    vocabulary, doubtful = _vocabulary(), set()
    for m in _CAPITAL_WORD.finditer(text):
        starts = m.start() == lead or m.start() in opening
        word = re.sub(r"['’]s$", "", m.group(0))
        ordinary = vocabulary is None or _in_vocabulary(word.lower(), vocabulary)
        if starts and not _NEXT_CAPITAL.match(text, m.end()) and ordinary:
            doubtful.add(word)
    inside = {re.sub(r"['’]s$", "", m.group(0)) for m in _CAPITAL_WORD.finditer(text)
              if not (m.start() == lead or m.start() in opening)}  # fmt: skip
    return [
        n for n in names(text, versions=False, years=False)
        if (n not in doubtful or n in inside) and _TITLE_CASE.fullmatch(n)
    ]  # fmt: skip


def ordinary_opening(text: str) -> str:
    """The text's first word when only its position capitalised it: a word of the language, alone (no
    capitalised word after it) and nowhere else in the text capitalised ("Employers in Oakridge can …",
    "Guesthouses can …"); else ""."""
    lead = len(text) - len(text.lstrip())
    m = _CAPITAL_WORD.match(text, lead)
    vocabulary = _vocabulary()
    if m is None or vocabulary is None or _NEXT_CAPITAL.match(text, m.end()):
        return ""
    word = re.sub(r"['’]s$", "", m.group(0))
    again = any(x.group(0) == word for x in _CAPITAL_WORD.finditer(text, m.end()))
    return word if _in_vocabulary(word.lower(), vocabulary) and not again else ""


def certain_runs(text: str) -> list[str]:
    """`certain_names` joined where they stand side by side (Harbor City): what a subject is called, so that
    "the city" of another passage does not pass for half of it."""
    certain = set(certain_names(text))
    runs, current, end = [], [], 0
    for m in _CAPITAL_WORD.finditer(text):
        word = re.sub(r"['’]s$", "", m.group(0))
        if word in certain and current and not text[end : m.start()].strip():
            current.append(word)
        else:
            runs.append(" ".join(current))
            current = [word] if word in certain else []
        end = m.end()
    runs.append(" ".join(current))
    return list(dict.fromkeys(r for r in runs if r))


_PLACE_ENDING = "(?:" + "|".join(CHINESE_PLACE_ENDINGS) + ")"
_CHINESE_PLACE = re.compile(
    r"(?:^|(?<=[，。、；：,;:\s年月日]))(?![该本对在从向])"
    r"((?:(?![的与和]|来自)[\u4e00-\u9fff]){2,6}?" + _PLACE_ENDING + ")"
    r"(?![\u4e00-\u9fff]{0,1}(?:" + "|".join(CHINESE_PLACE_ENDINGS) + r"))(?!内)"
)


def chinese_places(text: str) -> list[str]:
    """Places a Chinese text names where a clause starts ("上半年，青岚综合保税区完成…"): two to six
    characters and an ending of `CHINESE_PLACE_ENDINGS`; 区内 or 本市 name nothing (企业租用区内…: within the
    zone), nor a phrase after a figure (200万美元的地区), one opening with a reference or preposition (该区,
    对在本区, 来自浦东新区) or joining two (该区与上海市)."""
    return list(dict.fromkeys(m.group(1) for m in _CHINESE_PLACE.finditer(text)))


# Endings English adds to a word (leak: leakage, ship: shipments): a word is ordinary when it is in the
# vocabulary, or is one of its words with such an ending (the word-piece vocabulary holds only common forms).
_ENDINGS = ("ments", "ment", "ings", "ing", "ages", "age", "ness", "ers", "er", "ed", "es", "s", "ly", "al",
            "ity", "ion", "ions", "ation", "ations")  # fmt: skip


_COMPOUND_PART = 5  # a word joining two words of the vocabulary this long (guest + houses) is ordinary;
# shorter parts are how places are named (South + mere, North + gate, Lark + spur)


def _in_vocabulary(word: str, vocabulary: frozenset[str], whole: bool = True) -> bool:
    if word in vocabulary:
        return True
    for ending in _ENDINGS:
        stem = word.removesuffix(ending)
        if stem != word and len(stem) >= 3 and (stem in vocabulary or stem + "e" in vocabulary):
            return True
    if whole:  # guesthouses: guest + houses
        return any(word[:i] in vocabulary and _in_vocabulary(word[i:], vocabulary, whole=False)
                   for i in range(_COMPOUND_PART, len(word) - _COMPOUND_PART + 1))  # fmt: skip
    return False


@functools.cache
def _vocabulary() -> frozenset[str] | None:
    """The whole words of the shipped reader's word-piece vocabulary (uncased, learned from a large English
    corpus): what counts as a word of the language. None without the file: then every word may be one."""
    path = Path(__file__).resolve().parents[1] / "data" / "reader" / "tokenizer.json"
    try:
        vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    except (OSError, ValueError, KeyError):
        return None
    return frozenset(w for w in vocab if w.isalpha())


def name_runs(text: str) -> list[str]:
    """Runs of two or more capitalised words that do not open a sentence (Harbor City Council): what names
    a person or a body, as a "who" question asks for; a single capitalised word may only open a sentence."""
    return [m.group(0) for m in _NAME_RUN.finditer(text)]


_DEFINED = re.compile(r"\(([A-Z]{2,6})s?\)")


def short_forms(text: str) -> dict[str, str]:
    """The short names a text defines, with their long form: "a community amateur sports club (CASC)" gives
    {"CASC": "community amateur sports club"}; the words before the brackets must begin with its letters."""
    out = {}
    for m in _DEFINED.finditer(text):
        short = m.group(1)
        words = re.findall(r"[A-Za-z][\w-]*", text[max(0, m.start() - 120) : m.start()])
        for n in range(len(short), len(short) + 3):  # a few small words may sit inside (Revenue and Customs)
            run = words[-n:]
            initials = "".join(w[0] for w in run if w.lower() not in STOP_WORDS or len(run) == len(short))
            if len(run) == n and initials.upper() == short:
                out[short] = " ".join(run)
                break
    return out


def subject_names(text: str) -> list[str]:
    """Who or what a statement, claim or asker's situation says it is about, as names: its certain runs
    (Harbor City, Marlow Valley), or a Chinese text's places (松河高新区)."""
    return chinese_places(text) if is_chinese(text) else certain_runs(text)
