"""Prose answers: the selected passages go to the model, its reply comes back sentence by sentence, and
each sentence is shown only once the checker has kept it.

The answer selector decides first: the model is asked only when the extractive answer is confident
(outcome "answer"). Hedged and abstained answers are returned as they are, with a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from assistant.generation.checker import Checked, SentenceChecker
from assistant.generation.llm import GenerationError, TextModel
from assistant.models import Answer, Briefing, Citation, Hit, ProseStep, RemovedSentence
from assistant.reasoning.answer import cite
from assistant.text.chunking import sentence_spans

MAX_SOURCES = 4
SYSTEM = (
    "You answer questions about policy documents. Use only the numbered sources. Write one to three short "
    "sentences. End every sentence with the number of the source it comes from, like [1]. Copy figures, "
    "dates and names exactly as the source writes them. Do not add anything the sources do not say."
)
SUMMARY_SYSTEM = (
    "You summarise quoted facts from policy documents for a briefing. Use only the quoted facts. End every "
    "sentence with the [n] marker of the fact it comes from. Copy figures, dates and names exactly."
)
_TRAILING_MARKERS = re.compile(r"([.!?。！？])((?:\s*\[\d{1,3}\])+)")
_ONLY_MARKERS = re.compile(r"[\s\[\]\d]*")
_LIST_LEAD = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


def sources_for(answer: Answer, hits: list[Hit]) -> list[Hit]:
    """The passages the model reads, numbered from 1: those the extractive answer quotes, then the next
    best hits, at most MAX_SOURCES."""
    quoted = {c.chunk_id for c in answer.citations}
    ordered = [h for h in hits if h.chunk_id in quoted] + [h for h in hits if h.chunk_id not in quoted]
    return list({h.chunk_id: h for h in ordered}.values())[:MAX_SOURCES]


EXAMPLE = (
    "Example.\nSources:\n[1] (Parks report, 2023-05-02) The city opened 12 new parks in 2023. Most are in "
    "the north.\n[2] (Budget notice, 2023-01-09) The parks budget rose to 40 million yuan.\nQuestion: How "
    "many parks did the city open in 2023?\nAnswer: The city opened 12 new parks in 2023 [1].\n\n"
)


def prompt(question: str, sources: list[Hit]) -> str:
    """The user message: a worked example (an invented city), the numbered sources, the question."""
    blocks = []
    for n, h in enumerate(sources, 1):
        head = ", ".join(x for x in (h.title, h.date) if x)
        blocks.append(f"[{n}] ({head}) {' '.join(h.passage.split())}")
    return EXAMPLE + "Now answer.\nSources:\n" + "\n".join(blocks) + f"\nQuestion: {question}\nAnswer:"


def complete_sentences(buffer: str, final: bool) -> tuple[list[str], str]:
    """Sentences finished in `buffer` (markers written after the full stop belong to the sentence before),
    and the unfinished rest. A sentence is finished when text other than markers follows it."""
    text = _TRAILING_MARKERS.sub(lambda m: m.group(2) + m.group(1), buffer)
    spans = sentence_spans(text)
    if not spans:
        return [], "" if final else buffer
    if final:
        return [text[a:b] for a, b in spans], ""
    cut = len(spans) - 1
    if _ONLY_MARKERS.fullmatch(text[spans[-1][0] :]):  # "[1" may still become the last sentence's marker
        cut -= 1
    done = spans[: max(0, cut)]
    if not done:
        return [], buffer
    return [text[a:b] for a, b in done], text[done[-1][1] :]


class ProseWriter:
    """Asks the model for prose over the selected passages and keeps only what the checker passes."""

    def __init__(self, model: TextModel, checker: SentenceChecker):
        self.model = model
        self.checker = checker

    def stream(self, answer: Answer, hits: list[Hit]) -> Iterator[ProseStep]:
        """Kept and removed sentences as the model writes them, then the final answer (the extractive one,
        with a note, when nothing survives or the model fails)."""
        if answer.outcome != "answer":
            why = (
                "the sources do not answer it"
                if answer.abstained
                else "the closest passages may not answer it"
            )
            yield ProseStep("done", answer=replace(answer, note=f"no prose answer: {why}"))
            return
        sources = sources_for(answer, hits)
        numbered = dict(enumerate(sources, 1))
        kept: list[Checked] = []
        removed: list[RemovedSentence] = []
        try:
            for result in self.checked(self.model.stream(SYSTEM, prompt(answer.question, sources)), numbered):
                if isinstance(result, RemovedSentence):
                    removed.append(result)
                    yield ProseStep("removed", result.sentence)
                else:
                    kept.append(result)
                    yield ProseStep("kept", result.text)
        except GenerationError as e:
            yield ProseStep(
                "done", answer=replace(answer, removed=removed, note=f"{e}; showing the quoted answer")
            )
            return
        yield ProseStep("done", answer=assemble(answer, kept, removed, numbered))

    def summarise(self, briefing: Briefing, bullets: int = 8) -> Briefing:
        """A paragraph over the note's first bullets, each sentence checked against the passages its
        bullets quote; the note alone, with a reason, when nothing survives or the model fails."""
        items = briefing.items[:bullets]
        if not items:
            return replace(briefing, note="no prose summary: the note is empty")
        by_n = {c.n: c for c in briefing.citations}
        used = sorted({n for item in items for n in item.citations if n in by_n})
        sources = {n: _as_hit(by_n[n]) for n in used}
        lines = [f"[{item.citations[0]}] {' '.join(item.quote.split())}" for item in items]
        user = (f"Topic: {briefing.topic}\nQuoted facts:\n" + "\n".join(lines)
                + "\n\nWrite a summary of two to four sentences with [n] markers:")  # fmt: skip
        kept: list[str] = []
        removed: list[RemovedSentence] = []
        try:
            for result in self.checked(self.model.stream(SUMMARY_SYSTEM, user), sources):
                if isinstance(result, RemovedSentence):
                    removed.append(result)
                else:
                    kept.append(result.text)
        except GenerationError as e:
            return replace(briefing, summary_removed=removed, note=f"no prose summary: {e}")
        if not kept:
            why = "no prose summary: no sentence of the model's passed the check"
            return replace(briefing, summary_removed=removed, note=why)
        return replace(briefing, summary=" ".join(kept), summary_removed=removed)

    def checked(self, pieces: Iterator[str], sources: dict[int, Hit]) -> Iterator[Checked | RemovedSentence]:
        """The checker's result for each sentence of a streamed reply, as soon as the sentence is complete."""
        buffer = ""
        for piece in pieces:
            buffer += piece
            done, buffer = complete_sentences(buffer, final=False)
            yield from self._check_all(done, sources)
        yield from self._check_all(complete_sentences(buffer, final=True)[0], sources)

    def _check_all(
        self, sentences: list[str], sources: dict[int, Hit]
    ) -> Iterator[Checked | RemovedSentence]:
        for s in sentences:
            s = _LIST_LEAD.sub("", s).strip()
            if s:
                yield self.checker.check(s, sources)

    def write(self, answer: Answer, hits: list[Hit]) -> Answer:
        final = answer
        for step in self.stream(answer, hits):
            if step.answer is not None:
                final = step.answer
        return final


def assemble(
    answer: Answer, kept: list[Checked], removed: list[RemovedSentence], sources: dict[int, Hit]
) -> Answer:
    """The checked prose, its markers numbering the sources as the model saw them (so streamed sentences
    read the same), each citation quoting the source sentence that bears it out; the extractive answer,
    with a note, when nothing was kept."""
    if not kept:
        note = "no sentence of the model's answer passed the check; showing the quoted answer"
        return replace(answer, removed=removed, note=note)
    citations: list[Citation] = []
    for n in sorted({n for c in kept for n in c.cites}):
        start, end = next(c.quotes[n] for c in kept if n in c.quotes)
        citations.append(cite(n, sources[n], start, end))
    text = " ".join(c.text for c in kept)
    return replace(answer, text=text, citations=citations, mode="generated", removed=removed)


def split_sentences(text: str) -> list[str]:
    """Sentences of a finished reply (for tests and the bench)."""
    return complete_sentences(text, final=True)[0]


def _as_hit(c: Citation) -> Hit:
    """A briefing citation as a source passage for the checker."""
    return Hit(c.doc_id, c.chunk_id, 0.0, c.passage, c.start, c.end, c.title, c.date, c.source, "", c.page)
