"""Statement frames: what each sentence of a document is about and when, resolved once at ingest from the
sentence, the heading above it, and its document's title and date, and kept with its chunk (`pack`).

A sentence that writes no name of its own ("Actual use of foreign capital reached 41.7 billion yuan.", "The
city set up 2,012 firms.", 该区新设企业127家) is about its heading's subject, else its document's; one
that opens with a name ("In 2024, Harbor City set up 3,480 firms") is about that name.
"""

from __future__ import annotations

import json
import re

from assistant.models import Frame, FrameOrigin, Hit
from assistant.text.changes import effective_dates
from assistant.text.chunking import is_heading, sentence_spans
from assistant.text.names import certain_runs, chinese_places
from assistant.text.normalise import is_chinese
from assistant.text.numbers import relative_years
from assistant.text.words import NUMBER_VALUES, STOP_WORDS

# What a stored frame holds: 1 subject, years and origin; 2 also the date its rule applies from. An index
# whose frames are older is reframed on its next ingest.
FRAMES_VERSION = 2
# A name within a sentence's first words is what the sentence is about ("In 2024, Harbor City set up …");
# one further on is a detail of it ("… were set up in the city, the ministry of Harbor City said").
_TOPIC_WORDS = 8
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_WORD = re.compile(r"\S+")
# The first figure of a sentence (not a year): a name after it is a detail of what it counts ("Eight
# … enterprises, including Eli Lilly and Pfizer, …").
_NUMBER_WORDS = "|".join(w for w in NUMBER_VALUES if " " not in w)
_FIGURE = re.compile(r"(?<![\d.,])(?!(?:19|20)\d{2}(?!\d))\d|\b(?:" + _NUMBER_WORDS + r")\b", re.I)
# A heading line of a Chinese notice: short, no clause or sentence punctuation (二、支持标准).
_CHINESE_HEADING = re.compile(r"[^,;。!?:，；：]{2,24}")
_OPENING_RUN = re.compile(r"\s*([A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*)*)")
_INSIDE_CAPITAL = re.compile(r"[^.!?\s][ \t]+([A-Z][\w'-]*)")
_CELL = re.compile(r"\s*\|\s*")
_MARKDOWN_HEADING_LINE = re.compile(r"(?m)^[ \t]*#{1,6}[ \t].*$")


def document_subject(text: str, title: str) -> str:
    """What a document is about: the name its text writes for certain, most often, that its title also
    writes (a title in title case marks no name by its capitals), or the place a Chinese title opens with."""
    if not title:
        return ""
    if is_chinese(title):
        found = chinese_places(title)
        return found[0] if found else ""
    body = text.replace(title, " ")
    named = [n for n in certain_runs(body) if n in title]
    times = {n: len(re.findall(rf"\b{re.escape(n)}\b", body)) for n in named}
    return min(named, key=lambda n: (-times[n], title.index(n))) if named else ""


def frame_sentences(text: str, title: str = "", date: str = "", subject: str | None = None) -> list[Frame]:
    """The frame of every sentence of a text (a document, or a passage read alone), in order; `subject`:
    the document's, when already known."""
    subject = document_subject(text, title) if subject is None else subject
    body = _MARKDOWN_HEADING_LINE.sub("", text).replace("|", ".")  # a heading or cell capitalises by style
    inside = {m.group(1) for m in _INSIDE_CAPITAL.finditer(body)}  # capitalised where no sentence starts
    heading_subject, heading_years = "", ()
    spans = sentence_spans(text)
    owns = [_own_names(text[a:b], inside) for a, b in spans]
    headings = [_is_heading(text[a:b]) for a, b in spans]
    known = {n for own, head in zip(owns, headings, strict=True) if not head for n in own} | {subject}
    effective = effective_dates([text[a:b] for a, b in spans], date)
    out = []
    for (a, b), own, head, since in zip(spans, owns, headings, effective, strict=True):
        sentence = text[a:b]
        years = tuple(dict.fromkeys(_YEAR.findall(sentence))) + tuple(sorted(relative_years(sentence, date)))
        if head:  # its subject, when the text names it too, and its years hold for what follows it
            heading_subject = next((n for n in own if n in known), "")
            heading_years = years
        figure = _FIGURE.search(sentence)
        before = len(_WORD.findall(sentence[: figure.start()])) if figure else _TOPIC_WORDS
        topic = "" if head else next((n for n, at in own.items() if at < min(_TOPIC_WORDS, before + 1)), "")
        origin: FrameOrigin = "own" if topic else "heading" if heading_subject else "document"
        said_years = years if head else years or heading_years
        scope = heading_subject or subject
        out.append(Frame(a, b, topic or scope, bool(own), said_years, origin, scope, since))
    return out


def _is_heading(sentence: str) -> bool:
    """A Markdown heading, or a Chinese notice's heading line (short, no clause punctuation)."""
    chinese = is_chinese(sentence) and bool(_CHINESE_HEADING.fullmatch(sentence.strip()))
    return is_heading(sentence) or chinese


def _own_names(sentence: str, inside: set[str]) -> dict[str, int]:
    """The names a sentence writes itself, each with the number of words before it: its certain runs, and
    an opening word the document capitalises elsewhere mid-sentence ("Shanghai attracted …"); a Chinese
    sentence's places."""
    if is_chinese(sentence):
        return {p: len(sentence[: sentence.find(p)].split("，")) - 1 for p in chinese_places(sentence)}
    sentence = _CELL.sub(". ", sentence)  # each cell of a table line opens like a sentence
    found = {}
    first = _OPENING_RUN.match(sentence)
    if first and first.group(1).split()[0] in inside and first.group(1).split()[0].lower() not in STOP_WORDS:
        found[first.group(1)] = 0  # the whole run it opens (Harbor City)
    for run in certain_runs(sentence):
        at = sentence.find(run)
        found.setdefault(run, len(_WORD.findall(sentence[:at])) if at >= 0 else _TOPIC_WORDS)
    return found


def pack(frames: list[Frame], start: int, end: int) -> str:
    """The frames of the sentences within [start, end) of their document, as offsets in that passage: the
    JSON a chunk's record keeps (Chroma metadata holds no lists)."""
    rows = [[f.start - start, f.end - start, f.subject, int(f.said), " ".join(f.years), f.origin, f.scope,
             f.effective] for f in frames if f.start >= start and f.end <= end]  # fmt: skip
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def unpack(packed: str) -> tuple[Frame, ...]:
    """`pack`'s frames back; () for an empty or unreadable record."""
    try:
        rows = json.loads(packed) if packed else []
        return tuple(
            Frame(int(a), int(b), str(s), bool(said), tuple(str(y).split()), *rest[:3])
            for a, b, s, said, y, *rest in rows
        )
    except (ValueError, TypeError):
        return ()


def subject_of(hit: Hit) -> str:
    """A passage's document's subject: as stored at ingest, else read from the passage and its title."""
    return hit.subject or document_subject(hit.passage, hit.title)


def passage_frames(hit: Hit) -> tuple[Frame, ...]:
    """A passage's frames: as stored at ingest, else read from the passage and its title alone."""
    return hit.frames or tuple(frame_sentences(hit.passage, hit.title, hit.date))


def frame_at(hit: Hit, start: int, end: int, frames: tuple[Frame, ...] | None = None) -> Frame:
    """The frame of the sentence at passage offsets [start, end): the stored sentence holding its start
    (sentence splits may differ at a passage's edge), else the passage's subject. `frames`: the passage's,
    when already read."""
    frames = passage_frames(hit) if frames is None else frames
    for f in frames:
        if f.start <= start < f.end or (start <= f.start < end):
            return f
    return Frame(start, end, subject_of(hit))


def quote_subject(hit: Hit, start: int, end: int) -> str:
    """What a quote of the passage is about when it names nothing itself, to show before it ("[Harbor City]
    “Actual use of foreign capital reached 41.7 billion yuan.”"); "" when any of its sentences names
    someone or something."""
    frames = [f for f in passage_frames(hit) if f.start < end and start < f.end]
    frames = frames or [frame_at(hit, start, end)]
    quote = hit.passage[start:end]
    if any(f.said for f in frames) or certain_runs(quote) or (is_chinese(quote) and chinese_places(quote)):
        return ""
    return "" if frames[0].subject in quote else frames[0].subject


def known_subjects(hits: list[Hit]) -> set[str]:
    """The subjects the passages found are about: their documents' and their headings'. A name opening a
    sentence is a subject of its own only when it is one of these (Harbor City, not "Mayor Li Wei")."""
    out = {subject_of(h) for h in hits}
    out |= {f.subject for h in hits for f in passage_frames(h) if f.origin == "heading"}
    return out - {""}
