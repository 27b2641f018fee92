"""Where an answer's figures stand among the other statements of their frame: a later notice that changed
them, one that will, or a source that gives them differently. Each quoted sentence is checked as a claim
against the passages the answer was chosen from (`FactChecker.by_figures`: one rule for checks and
answers), and what bears on it is said before the quotes, the current statement first."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.models import Answer, Citation, Hit, OtherStatement, Verdict
from assistant.reasoning.factcheck import DISPUTE_SIMILAR, FactChecker
from assistant.reasoning.selection import gather
from assistant.text.changes import day_words
from assistant.text.chunking import sentence_spans
from assistant.text.frames import passage_frames
from assistant.text.normalise import is_chinese
from assistant.text.numbers import read_quantities


class Standing:
    """Notes on an answer's quotes from the statements beside them: changed, to change, or disputed."""

    def __init__(self, checker: FactChecker):
        self.checker = checker

    def note(self, answer: Answer, hits: list[Hit]) -> Answer:
        """The answer with a line per quote whose figure a change replaced, will replace, or a source
        disputes, before its quotes; the statements it names are cited after the answer's own."""
        if answer.abstained or not answer.citations:
            return answer
        citations, lines, said = list(answer.citations), [], set()
        for quoted, verdict in self._checked(answer.citations, hits):
            if verdict.verdict in ("not_found", "contradicted"):
                continue  # the quote's own figures are not settled by the passages: nothing to add
            for part in verdict.parts:
                pair = frozenset([part.evidence, *(o.figure for o in part.also)])
                line = _line(part.status, part.evidence, part.n, part.also, verdict, quoted, citations)
                if line and pair not in said:
                    lines.append(line)
                    said.add(pair)
        if not lines:
            return answer
        return replace(answer, text="\n".join(lines) + "\n\n" + answer.text, citations=citations)

    def _checked(self, quotes: list[Citation], hits: list[Hit]):
        """(quote, verdict) for each sentence of each quote that states a figure, checked as a claim with the
        vector stored for it at ingest (an answer embeds no passage sentence)."""
        by_chunk = {h.chunk_id: h for h in hits}
        wanted = []
        for quoted in quotes:
            hit = by_chunk.get(quoted.chunk_id)
            first = quoted.quote_start - quoted.start if hit is not None else 0
            for a, b in sentence_spans(hit.passage) if hit is not None else []:
                if first <= a < quoted.quote_end - quoted.start and read_quantities(hit.passage[a:b]):
                    wanted.append((quoted, hit, a, b))
        if not wanted:
            return
        changes = self._changes_possible(hits)
        near = self._near_another(hits, [(hit, a, b) for _q, hit, a, b in wanted])
        for (quoted, hit, a, b), close in zip(wanted, near, strict=True):
            if changes or close:
                yield quoted, self.checker.by_figures(hit.passage[a:b], hits, at=(hit, a, b))

    @staticmethod
    def _changes_possible(hits: list[Hit]) -> bool:
        """Is a rule's change among the passages: a sentence whose frame has an effective day? (An index
        framed before that day was kept finds them once its next ingest reframes it.)"""
        return any(f.effective for h in hits for f in passage_frames(h))

    def _near_another(self, hits: list[Hit], spans: list[tuple[Hit, int, int]]) -> list[bool]:
        """For each quoted sentence, is a sentence of another document close enough in meaning to state the
        same thing (`factcheck.DISPUTE_SIMILAR`)? Only then may sources differ on it. From the vectors
        stored at ingest: one read, no sentence embedded."""
        c = self.checker
        if c.embed is None:
            return [True] * len(spans)
        others = [(h, a, b) for h in hits for a, b in sentence_spans(h.passage)]
        _none, vectors = gather(c.embed, c.stored, [], spans + others)
        quoted, rest = vectors[: len(spans)], vectors[len(spans) :]
        closeness = quoted @ rest.T if len(rest) else np.zeros((len(spans), 0))
        out = []
        for i, (hit, a, b) in enumerate(spans):
            other = [j for j, (h, _x, _y) in enumerate(others) if h.doc_id != hit.doc_id]
            unread = is_chinese(hit.passage[a:b]) and not c.cross_lingual  # meaning not read: terms decide
            out.append(bool(other) and (unread or float(closeness[i, other].max()) >= DISPUTE_SIMILAR))
        return out


def _line(status: str, evidence: str, n: int, also: list[OtherStatement], verdict: Verdict, quoted: Citation,
          citations: list[Citation]) -> str:  # fmt: skip
    """What one figure's check says about where the quote stands, with numbers in the answer's citations."""
    if not also:
        return ""
    own = {c.n: c for c in verdict.citations}

    def number(k: int) -> int:
        return _cited(own[k], citations) if k in own else quoted.n

    o = also[0]
    here, there = number(n), number(o.n)
    when = day_words(o.since)
    if status == "disputed":
        return f"Sources differ: {evidence} [{here}]; {o.figure} [{there}]."
    if o.role == "current" and status == "out_of_date":
        return f"Now {o.figure} since {when} [{there}]; {evidence} before [{here}]."
    if o.role == "replaced":
        return f"Now {evidence} since {when} [{here}]; {o.figure} before [{there}]."
    if o.role == "later":
        return f"Until {when}: {evidence} [{here}]; from {when}: {o.figure} [{there}] (announced)."
    return ""


def _cited(c: Citation, citations: list[Citation]) -> int:
    """The answer's number for a sentence a check cited, adding it after the answer's own citations."""
    for have in citations:
        if have.doc_id == c.doc_id and have.quote_start <= c.quote_start < have.quote_end:
            return have.n
    citations.append(replace(c, n=len(citations) + 1))
    return citations[-1].n
