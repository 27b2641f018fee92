"""Typed records that flow through the pipeline: documents, chunks, hits, reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

Outcome = Literal["answer", "closest", "none"]
AnswerType = Literal["number", "percent", "date", "name", "yesno", "other"]  # what a question asks for
# out_of_date: a later rule replaced the claim's figure; disputed: sources of one frame differ, no change
# between them
VerdictKind = Literal["supported", "contradicted", "not_found", "out_of_date", "disputed"]
# How another statement bears on a claim's figure: the value a change replaced, the one in force now, one
# announced for later, the one in force before a change, or another source's differing figure.
StatementRole = Literal["replaced", "current", "later", "earlier", "differs"]
AnswerMode = Literal["extractive", "generated"]  # quoted sentences, or a language model's checked prose


def plural(n: int, word: str, many: str = "") -> str:
    """A count and its noun for messages: "1 document", "2 documents", "1,000 documents"; `many` is the
    plural where adding "s" is wrong ("entries")."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


class AssistantError(Exception):
    """A problem the user can act on; the CLI prints its message as one line."""


class Cancelled(AssistantError):
    """The user stopped a long write; documents stored before it are whole, the one in progress is gone."""

    def __init__(self, message: str = "cancelled: documents stored before it are kept whole, none half"):
        super().__init__(message)


class InputError(AssistantError):
    """One input (file or URL) could not be read; the rest of the work goes on."""


@dataclass
class Filters:
    """What a search, question or claim may draw on: sources, a date range (YYYY-MM-DD) and documents;
    empty fields do not filter. The CLI and the page build it alike; API clients may pass the dict."""

    source: list[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""
    doc_ids: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, source=None, date_from=None, date_to=None, doc_ids=None) -> Filters:
        """From form or option values: None and blanks mean no filter; one string is one value."""

        def values(v) -> list[str]:
            return [v] if isinstance(v, str) and v.strip() else [str(x) for x in v or [] if str(x).strip()]

        return cls(values(source), (date_from or "").strip(), (date_to or "").strip(), values(doc_ids))

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class Document:
    """A loaded, normalised document; citation offsets index into `text`."""

    doc_id: str
    text: str
    title: str = ""
    date: str = ""  # YYYY-MM-DD, or "" when unknown
    source: str = ""  # host or publisher
    path: str = ""  # file path or URL it was read from
    sha256: str = ""  # of the raw bytes, decides whether a re-ingest is needed
    root: str = ""  # absolute folder it was found under (for --prune), "" for single files and URLs
    kind: str = ""  # txt, md, html, pdf, docx
    pages: list[tuple[int, int]] = field(default_factory=list)  # (start offset, page number) for PDFs

    def page_at(self, offset: int) -> int:
        """Page number holding `offset` (0 when the document has no pages)."""
        page = 0
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page


@dataclass
class Chunk:
    """A passage of a document: `text == document.text[start:end]`."""

    doc_id: str
    index: int
    text: str
    start: int
    end: int
    page_start: int = 0
    page_end: int = 0


TITLE_SPAN = (-1, -1)  # where a chunk's sentence vectors keep its document title's vector


@dataclass
class SentenceVectors:
    """Vectors of the sentences of one document's chunks: (chunk index, start, end) offsets in the chunk;
    the span TITLE_SPAN holds the vector of the document's title."""

    spans: list[tuple[int, int, int]]
    vectors: np.ndarray


FrameOrigin = Literal["own", "heading", "document"]


@dataclass(frozen=True)
class Frame:
    """What one sentence of a passage is about and when, resolved at ingest (`text.frames`): offsets in the
    passage; `subject` the name it is about and `origin` where that came from (its own opening name, else
    its heading's, else its document's; `scope` is the latter two's); `said` whether the sentence writes a
    name itself; `years` its own years (relative words placed by the document's date), else its heading's;
    `effective` the day (YYYY-MM-DD) its rule applies from, said or carried from an earlier item."""

    start: int
    end: int
    subject: str = ""
    said: bool = False
    years: tuple[str, ...] = ()
    origin: FrameOrigin = "document"
    scope: str = ""  # the subject of its part of the document: its heading's, else its document's
    effective: str = ""


@dataclass
class Hit:
    """One ranked passage returned by search; `frames`: its sentences' frames as stored at ingest (empty
    for an index written before frames were kept: then they are read from the passage alone)."""

    doc_id: str
    chunk_id: str
    score: float
    passage: str
    start: int
    end: int
    title: str = ""
    date: str = ""
    source: str = ""
    path: str = ""
    page_start: int = 0
    page_end: int = 0
    subject: str = ""  # its document's subject (`text.frames.document_subject`)
    frames: tuple[Frame, ...] = ()

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("frames")
        return out


@dataclass
class DocumentInfo:
    """What `list` shows about an indexed document."""

    doc_id: str
    title: str
    date: str
    source: str
    path: str
    chunks: int
    sha256: str
    root: str = ""
    kind: str = ""
    also_at: tuple[str, ...] = ()  # other paths ingested with the same content (stored once)
    framed: bool = False  # its chunks keep their sentences' frames (indexes written before frames: False)

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path or URL this document was ingested from, its own first."""
        return (self.path, *self.also_at) if self.path else self.also_at

    def to_dict(self) -> dict:
        return asdict(self) | {"also_at": list(self.also_at)}


@dataclass
class IngestReport:
    """Outcome of one ingest: doc_ids per outcome, and (path, reason) for each failure."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_added: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        rate = (
            f", {self.chunks_added / self.seconds:.1f} chunks/s" if self.chunks_added and self.seconds else ""
        )
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed "
            f"({plural(self.chunks_added, 'chunk')} in {self.seconds:.1f}s{rate})"
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["failed"] = [{"path": p, "reason": r} for p, r in self.failed]
        return d


RemoveBy = Literal["auto", "path", "doc_id"]


@dataclass
class RemoveReport:
    """What `remove` did: documents removed with their chunks, and paths unlisted from a document that
    stays because the same content was also ingested from another path."""

    removed: list[str] = field(default_factory=list)
    unlisted: list[tuple[str, str]] = field(default_factory=list)  # (path, doc_id it was listed under)

    def __bool__(self) -> bool:
        return bool(self.removed or self.unlisted)

    def to_dict(self) -> dict:
        return {"removed": self.removed,
                "unlisted": [{"path": p, "doc_id": d} for p, d in self.unlisted]}  # fmt: skip


@dataclass
class UploadResult:
    """What became of one uploaded file: shown by its original name, stored under its content hash."""

    name: str
    status: Literal["added", "updated", "unchanged", "failed", "cancelled"]
    detail: str = ""
    doc_id: str = ""


@dataclass
class Citation:
    """Where an answer sentence comes from: `passage == document.text[start:end]`, `quote` is inside it."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    date: str
    source: str
    passage: str
    start: int
    end: int
    quote: str
    quote_start: int  # offsets of the quote in the document text
    quote_end: int
    page: int = 0
    subject: str = ""  # what the quote is about when it does not say (its document's subject); not quoted

    @property
    def tag(self) -> str:
        """The subject added before a quote that names none ("[Harbor City] "), or ""."""
        return f"[{self.subject}] " if self.subject else ""

    @property
    def shown(self) -> str:
        """The quote in quotation marks, after its subject where it names none: [Harbor City] “…”."""
        return f"{self.tag}“{self.quote}”"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RemovedSentence:
    """A sentence a language model wrote that the check took out, and why (shown to the user)."""

    sentence: str
    reason: str


@dataclass
class Answer:
    """An extractive answer: text with [n] markers, or an abstention with related passages."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Hit] = field(default_factory=list)  # shown as "related, not an answer" when abstaining
    rewritten_question: str = ""
    kind: AnswerType = "other"  # what the question asks for
    confidence: float = 0.0  # calibrated probability that the quoted sentence answers the question
    outcome: Outcome = "none"  # answer (confident), closest (hedged quotes), none (abstained)
    mode: AnswerMode = "extractive"  # generated: `text` is a model's prose, every sentence checked
    removed: list[RemovedSentence] = field(default_factory=list)  # model sentences the check took out
    note: str = ""  # one line when generation was asked for and could not be used

    def to_dict(self) -> dict:
        d = asdict(self)
        d["related"] = [h.to_dict() for h in self.related]
        return d


@dataclass
class ProseStep:
    """One step of a streamed prose answer: a sentence kept by the check, one removed, or the final answer."""

    kind: Literal["kept", "removed", "done"]
    text: str = ""
    answer: Answer | None = None


@dataclass
class OtherStatement:
    """Another statement bearing on a claim's figure (the value a change replaced or brought, or another
    source's): the figure as written, its citation number, how it bears, and the day a change applies."""

    figure: str
    n: int
    role: StatementRole
    since: str = ""  # YYYY-MM-DD


@dataclass
class FigureCheck:
    """One figure of a claim against the corpus: its status, the corpus figure it was compared with, the
    citation number holding that figure (0 when none), and other statements bearing on it (a rule's change,
    a source that differs)."""

    figure: str
    status: VerdictKind
    evidence: str = ""
    n: int = 0
    also: list[OtherStatement] = field(default_factory=list)


@dataclass
class Verdict:
    """Fact-check of a claim: supported, contradicted, not_found, out_of_date (a later rule replaced its
    figure) or disputed (sources differ), with the evidence sentences cited."""

    claim: str
    verdict: VerdictKind
    explanation: str
    citations: list[Citation] = field(default_factory=list)
    related: list[Hit] = field(default_factory=list)
    parts: list[FigureCheck] = field(default_factory=list)  # one per figure of the claim
    confidence: float = 0.0  # calibrated P(the verdict is right); not_found: 1 - the higher of the two
    decided_by: str = ""  # "figures" (the figure rules), "model" (the verdict model), "polarity" or "reader"
    # the claim's measure as the corpus states it for another subject ("Harbor City: 3,480", its passage):
    # related, never evidence
    elsewhere: list[tuple[str, Hit]] = field(default_factory=list)
    basis: str = ""  # what the confidence was calibrated on
    signals: dict[str, float] = field(
        default_factory=dict
    )  # how the figures matched (its confidence's input)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("signals")
        d["related"] = [h.to_dict() for h in self.related]
        d["elsewhere"] = [
            {"figure": said, "doc_id": h.doc_id, "chunk_id": h.chunk_id} for said, h in self.elsewhere
        ]
        return d


BriefKind = Literal["figure", "measure", "event", "elsewhere"]
BRIEF_SECTIONS: dict[BriefKind, str] = {  # a briefing's sections, in order, with their headings
    "figure": "Headline figures",
    "measure": "Measures and policies",
    "event": "Timeline",
    "elsewhere": "Elsewhere (documents about other subjects)",
}


@dataclass
class BriefItem:
    """One bullet of a briefing: a verbatim quote and every citation that says it."""

    kind: BriefKind  # a headline figure, a measure or policy, or a dated event
    quote: str
    citations: list[int]
    when: str = ""  # the date the sentence names (YYYY-MM or YYYY), else its document's date
    conflict: str = ""  # set when another source gives this figure differently
    about: str = ""  # in "elsewhere": the title of the document it is from, which the topic does not name
    subject: str = ""  # what the quote is about when it does not say (its document's subject); not quoted


@dataclass
class Briefing:
    """A note on a topic from many documents: quoted, cited bullets and the sources they come from."""

    topic: str
    items: list[BriefItem]
    citations: list[Citation]
    summary: str = ""  # a language model's paragraph over the bullets, every sentence checked (--generate)
    summary_removed: list[RemovedSentence] = field(default_factory=list)
    note: str = ""  # why there is no summary when one was asked for

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DraftSentence:
    """One sentence of a draft, where it is in the draft, and its verdict (None: nothing to check)."""

    sentence: str
    start: int
    end: int
    verdict: Verdict | None = None


@dataclass
class DraftCheck:
    """A whole draft checked sentence by sentence: every check-worthy sentence has a verdict."""

    text: str
    sentences: list[DraftSentence]

    @property
    def checked(self) -> list[DraftSentence]:
        return [s for s in self.sentences if s.verdict is not None]

    @property
    def skipped(self) -> int:
        """Sentences with no figure, date, ranking or named actor: nothing a checker could verify."""
        return len(self.sentences) - len(self.checked)

    def counts(self) -> dict[str, int]:
        out = {v: 0 for v in ("supported", "contradicted", "not_found")}
        for s in self.checked:
            out[s.verdict.verdict] += 1
        return out

    def summary(self) -> str:
        c = self.counts()
        found = f"{c['supported']} supported, {c['contradicted']} contradicted, {c['not_found']} not found"
        checked = plural(len(self.checked), "sentence")
        return f"Checked {checked}: {found}; {self.skipped} had nothing to check."

    def to_dict(self) -> dict:
        return {"counts": self.counts(), "skipped": self.skipped,
                "sentences": [asdict(s) for s in self.sentences]}  # fmt: skip
