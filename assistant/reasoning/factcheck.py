"""Fact-check claims with figures: each figure is compared with figures of the same kind and subject in
the best evidence sentence; one contradiction makes the claim contradicted."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.index.keyword import KeywordIndex
from assistant.models import Citation, FigureCheck, Hit, Verdict, VerdictKind
from assistant.reasoning.answer import cite, coverage, key_terms, names_present
from assistant.reasoning.questions import entities
from assistant.reasoning.selection import gather
from assistant.text.chunking import sentence_spans, titled
from assistant.text.numbers import Quantity, read_quantities

VERDICTS = ("supported", "contradicted", "not_found")
_CONTEXT_KINDS = ("year", "label")
_ANY_NOUN = ("percent", "pp", "ordinal", "month")  # compared within the best sentence, whatever follows them
# Reporting verbs say nothing about the subject of a claim.
_CLAIM_NOISE = {
    "saw",
    "see",
    "reach",
    "record",
    "report",
    "total",
    "new",
    "has",
    "had",
    "true",
    "claim",
    "said",
}


@dataclass
class _Sentence:
    hit: Hit
    start: int
    end: int
    text: str
    cover: float
    figures: list[Quantity]


class FactChecker:
    """Rules a fact-checker would apply to figures: same subject and measure, qualifiers respected."""

    def __init__(self, keyword: KeywordIndex, embed: Callable[[Sequence[str]], np.ndarray] | None = None,
                 passages: int = 6, min_cover: float = 0.35, min_similarity: float = 0.7,
                 stored: Callable[[list[str]], dict] | None = None):  # fmt: skip
        if not 0 <= min_cover <= 1 or not 0 <= min_similarity <= 1:
            raise ValueError(f"min_cover and min_similarity must lie between 0 and 1, got {min_cover}, "
                             f"{min_similarity}")  # fmt: skip
        self.keyword, self.embed, self.passages, self.stored = keyword, embed, passages, stored
        self.min_cover, self.min_similarity = min_cover, min_similarity

    def check(self, claim: str, hits: list[Hit]) -> Verdict:
        figures = read_quantities(claim)
        checkable = [f for f in figures if f.kind not in _CONTEXT_KINDS]
        years = {f.text for f in figures if f.kind == "year"}
        names = [e for e in entities(claim) if e not in years and not e[0].isdigit()]
        figure_words = {w for f in figures for w in self.keyword.tokenize(f.text)}
        weights = key_terms(self.keyword, claim, figure_words | _CLAIM_NOISE)
        sentences = self._sentences(claim, hits[: self.passages], names, years, weights)
        if not checkable:
            return self._without_figures(claim, sentences, hits)
        parts, citations = [], []
        for figure in checkable:
            status, evidence, sentence = self._judge(figure, sentences)
            part = FigureCheck(figure.text, status, evidence.text if evidence else "")
            if sentence is not None:
                part.n = _cite_once(citations, sentence).n
            parts.append(part)
        statuses = [p.status for p in parts]
        verdict = (
            "contradicted"
            if "contradicted" in statuses
            else "supported"
            if all(s == "supported" for s in statuses)
            else "not_found"
        )
        return Verdict(
            claim=claim,
            verdict=verdict,
            explanation=_explain(verdict, parts, citations, claim),
            citations=citations if verdict != "not_found" else [],
            related=hits[:3] if verdict == "not_found" else [],
            parts=parts,
        )

    def _sentences(self, claim: str, hits: list[Hit], names: list[str], years: set[str], weights):
        """Sentences about the claim's subject: enough of its rare terms, or (other words for the same
        thing) close in meaning by the embedder; best term coverage first."""
        found = []
        for hit in hits:
            if not names_present(names, titled(hit.title, hit.passage)):
                continue
            for a, b in sentence_spans(hit.passage):
                text = hit.passage[a:b]
                if all(y in text for y in years):
                    found.append((hit, a, b, text, coverage(weights, self.keyword.tokenize(text))))
        similar = [False] * len(found)
        if self.embed is not None and found:
            head, vectors = gather(self.embed, self.stored, [claim], [(h, a, b) for h, a, b, *_ in found])
            similar = list(vectors @ head[0] >= self.min_similarity)
        out = [_Sentence(hit, a, b, text, cover, read_quantities(text))
               for (hit, a, b, text, cover), close in zip(found, similar, strict=True)
               if cover >= self.min_cover or close]  # fmt: skip
        return sorted(out, key=lambda s: -s.cover)

    def _judge(self, figure: Quantity, sentences: list[_Sentence]):
        """(status, evidence figure, sentence) for one claim figure, from the best sentence with a match."""
        for sentence in sentences:
            same = [e for e in sentence.figures if e.kind == figure.kind and _same_subject(figure, e)]
            if not same:
                continue
            for e in same:
                if e.implies(figure):
                    return "supported", e, sentence
            return "contradicted", max(same, key=lambda e: _noun_overlap(figure, e)), sentence
        return "not_found", None, None

    def _without_figures(self, claim: str, sentences: list[_Sentence], hits: list[Hit]) -> Verdict:
        if sentences and sentences[0].cover >= 0.85:
            c = cite(1, sentences[0].hit, sentences[0].start, sentences[0].end)
            return Verdict(claim, "supported", f"The corpus says so [1]: “{c.quote}” ({_ref(c)}).", [c])
        explanation = (
            "The corpus does not say this; the closest passages are listed as related, not as evidence."
        )
        return Verdict(claim, "not_found", explanation, related=hits[:3])


def _same_subject(claim_fig: Quantity, evidence: Quantity) -> bool:
    """Counts and money must be about the same thing ("2,012 enterprises" vs "2,500 enterprises")."""
    if claim_fig.kind in _ANY_NOUN or not claim_fig.noun or not evidence.noun:
        return True
    return _noun_overlap(claim_fig, evidence) > 0


def _noun_overlap(a: Quantity, b: Quantity) -> int:
    from assistant.index.keyword import Tokenizer

    tok = _TOKENIZER or Tokenizer()
    return len(set(tok(" ".join(a.noun))) & set(tok(" ".join(b.noun))))


_TOKENIZER = None


def _cite_once(citations: list[Citation], s: _Sentence) -> Citation:
    for c in citations:
        if c.chunk_id == s.hit.chunk_id and c.quote_start == s.hit.start + s.start:
            return c
    citations.append(cite(len(citations) + 1, s.hit, s.start, s.end))
    return citations[-1]


def _ref(c: Citation) -> str:
    return ", ".join(x for x in (c.title, c.date) if x)


def _explain(verdict: VerdictKind, parts: list[FigureCheck], citations: list[Citation], claim: str) -> str:
    by_n = {c.n: c for c in citations}
    if verdict == "not_found":
        missing = [p.figure for p in parts if p.status == "not_found"]
        return (
            f"The corpus has no figure about this ({', '.join(missing)}); "
            "the closest passages are listed as related, not as evidence."
        )
    lines = []
    for p in parts:
        c = by_n.get(p.n)
        if p.status == "contradicted":
            prefix = f"On “{p.figure}”: " if len(parts) > 1 else ""
            lines.append(f"{prefix}The corpus says {p.evidence} ({_ref(c)}) [{c.n}], not {p.figure}.")
        elif p.status == "supported" and verdict == "supported":
            lines.append(f"The corpus says {p.evidence} ({_ref(c)}) [{c.n}], which supports {p.figure}.")
        elif p.status == "not_found":
            lines.append(f"Nothing in the corpus about “{p.figure}”.")
    return " ".join(lines)


_RANKING = re.compile(r"\b(the|its|their)\s+(most|least|\w{2,}est)\b", re.I)


def check_worthy(sentence: str) -> bool:
    """Does the sentence state something a checker can verify: a figure or date (the quantity reader), a
    ranking ("the largest", "the most"), or a named actor (a name past its first word) in a statement of
    at least six words? Opinions and connecting sentences are skipped."""
    if read_quantities(sentence) or _RANKING.search(sentence):
        return True
    words = sentence.split()
    if len(words) < 6 or sentence.rstrip().endswith("?"):
        return False
    return bool(entities(" ".join(words[1:])))
