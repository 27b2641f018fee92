"""The check every model-written sentence passes before anyone sees it.

A sentence is kept only if it carries [n] markers naming given sources, every figure in it is stated with
the same value by a cited source, every name in it appears there, and a sentence of the cited sources
supports it (a logistic model over meaning similarity and shared terms, fitted on SciFact claims by
`policy-assistant lab train-support`; weights and threshold in `assistant/data/support.json`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from assistant.index.keyword import Tokenizer
from assistant.models import AssistantError, Hit, RemovedSentence, Verdict
from assistant.reasoning.fitted import Fitted, sigmoid, vector
from assistant.reasoning.selection import present
from assistant.text.chunking import sentence_spans
from assistant.text.directives import has_address, is_directive
from assistant.text.names import names
from assistant.text.numbers import Quantity, read_quantities

SUPPORT_PATH = Path(__file__).resolve().parents[1] / "data" / "support.json"
SUPPORT_FEATURES = ["best_cosine", "best_sentence_recall", "cited_text_recall"]
MARKER = re.compile(r"\s*\[(\d{1,3})\]")

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass
class SupportModel(Fitted):
    """P(a source sentence states what the written sentence says), from the three support features."""

    WHAT: ClassVar[str] = "the support model"
    PATH: ClassVar[Path] = SUPPORT_PATH
    COMMAND: ClassVar[str] = "train-support"

    features: list[str]
    coef: list[float]
    intercept: float
    threshold: float  # kept at or above (chosen for precision on the fitting claims)
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.require_features(self.features, SUPPORT_FEATURES)
        if not 0 < self.threshold < 1:
            raise AssistantError("the support threshold must lie between 0 and 1")

    def probability(self, row: Sequence[float]) -> float:
        return sigmoid(float(np.dot(self.coef, row) + self.intercept))


@dataclass
class Support:
    """How well the best sentence of the cited sources bears out a written sentence."""

    named: dict[str, float]  # SUPPORT_FEATURES by name
    source: int  # the source number holding the best sentence
    start: int  # its offsets in that source's passage
    end: int

    @property
    def features(self) -> list[float]:
        """The support model's row: the features in the order of SUPPORT_FEATURES."""
        return vector(self.named, SUPPORT_FEATURES)


class SupportScorer:
    """The support features of a sentence against passages: meaning (embedding cosine with each source
    sentence) and terms (share of the sentence's content words found in a source sentence, and in all the
    cited text). Shared by the checker and its fitting so both read sentences the same way."""

    def __init__(self, embed: Embed):
        self.embed = embed
        self.tokenize = Tokenizer()

    def score(self, sentence: str, passages: dict[int, str]) -> Support:
        pieces = [(n, a, b) for n, text in passages.items() for a, b in _pieces(text)]
        if not pieces:
            return Support(dict.fromkeys(SUPPORT_FEATURES, 0.0), 0, 0, 0)
        words = set(self.tokenize(sentence))
        vectors = self.embed([sentence] + [passages[n][a:b] for n, a, b in pieces])
        cosines = vectors[1:] @ vectors[0]
        recalls = [self._recall(words, passages[n][a:b]) for n, a, b in pieces]
        whole = self._recall(words, " ".join(passages.values()))
        best = int(np.argmax(cosines + np.asarray(recalls)))
        n, a, b = pieces[best]
        named = {"best_cosine": float(cosines.max()), "best_sentence_recall": float(max(recalls)),
                 "cited_text_recall": whole}  # fmt: skip
        return Support(named, n, a, b)

    def _recall(self, words: set[str], text: str) -> float:
        return len(words & set(self.tokenize(text))) / len(words) if words else 1.0


_CLAUSE_END = re.compile(r"[,;:]\s+")


def _pieces(text: str) -> list[tuple[int, int]]:
    """Each sentence, and each clause of at least four words inside it: a written sentence often restates
    one clause of a long source sentence ("up 16.4% on the year before")."""
    out = []
    for a, b in sentence_spans(text):
        out.append((a, b))
        cuts = [a] + [m.end() for m in _CLAUSE_END.finditer(text, a, b)] + [b]
        if len(cuts) > 2:
            for x, y in zip(cuts, cuts[1:], strict=False):
                if len(text[x:y].split()) >= 4:
                    out.append((x, y))
    return out


@dataclass
class Checked:
    """A sentence that passed, with its markers and, per cited source, the sentence that bears it out."""

    text: str
    cites: list[int]
    quotes: dict[int, tuple[int, int]]  # source number -> (start, end) in that source's passage
    support: float


def strip_markers(sentence: str) -> str:
    return " ".join(MARKER.sub(" ", sentence).split())


class SentenceChecker:
    """Keeps a written sentence only when its cited sources bear out its markers, figures, names and
    meaning; otherwise says why it was removed."""

    def __init__(self, embed: Embed, model: SupportModel | None = None,
                 standing: Callable[[str, list[Hit]], Verdict] | None = None):  # fmt: skip
        self.scorer = SupportScorer(embed)
        self.model = model or SupportModel.load()
        # the figure rules across all the sources (`FactChecker.by_figures`): a sentence one source bears out
        # is still removed when another disputes it, or a later rule replaced its figure
        self.standing = standing

    def check(self, sentence: str, sources: dict[int, Hit]) -> Checked | RemovedSentence:
        shown = " ".join(sentence.split())
        parts = _cited_parts(shown)
        if len(parts) > 1:  # "A [1]; B [2]." : each part is checked against its own sources
            results = [self._check_one(p, sources) for p in parts]
            failed = next((r for r in results if isinstance(r, RemovedSentence)), None)
            if failed is not None:
                return RemovedSentence(shown, failed.reason)
            quotes: dict[int, tuple[int, int]] = {}
            for r in results:
                for n, q in r.quotes.items():
                    quotes.setdefault(n, q)
            cites = list(dict.fromkeys(n for r in results for n in r.cites))
            return Checked(shown, cites, quotes, min(r.support for r in results))
        return self._check_one(shown, sources)

    def _check_one(self, sentence: str, sources: dict[int, Hit]) -> Checked | RemovedSentence:
        shown = sentence
        cites = list(dict.fromkeys(int(m) for m in MARKER.findall(sentence)))
        if not cites:
            return RemovedSentence(shown, "no source marker [n]")
        unknown = [n for n in cites if n not in sources]
        if unknown:
            return RemovedSentence(shown, f"cites [{unknown[0]}], which is not one of the sources")
        bare = strip_markers(sentence)
        if not re.search(r"\w", bare):
            return RemovedSentence(shown, "no statement, only a marker")
        if has_address(bare):
            return RemovedSentence(shown, "a web address: sources are cited by number, never linked")
        if is_directive(bare):
            return RemovedSentence(shown, "an instruction, not a statement of the sources")
        cited = {n: sources[n].passage for n in cites}
        context = " ".join(f"{sources[n].title} {sources[n].passage}" for n in cites)
        figures = read_quantities(context)
        for q in read_quantities(bare):
            if not any(_same_value(q, f) for f in figures):
                return RemovedSentence(shown, f"{q.text} is not a figure of the cited source {_refs(cites)}")
        lowered = context.lower()
        for name in _names(bare):
            if not present(name, lowered):
                return RemovedSentence(shown, f"{name} is not named in the cited source {_refs(cites)}")
        support = self.scorer.score(bare, cited)
        p = self.model.probability(support.features)
        if p < self.model.threshold:
            return RemovedSentence(shown, f"not supported by the cited source {_refs(cites)}")
        quotes = {support.source: (support.start, support.end)}
        written = read_quantities(bare)
        for n in cites:
            if n in quotes:
                continue
            one = self.scorer.score(bare, {n: sources[n].passage})
            own = f"{sources[n].title} {sources[n].passage}"
            holds = [f for f in read_quantities(own) if any(_same_value(q, f) for q in written)]
            if self.model.probability(one.features) < self.model.threshold and not holds:
                return RemovedSentence(shown, f"cites [{n}], which does not say this")
            quotes[n] = (one.start, one.end)
        if self.standing is not None and read_quantities(bare):
            verdict = self.standing(bare, list(sources.values()))
            if verdict.verdict in _UNSETTLED:
                return RemovedSentence(shown, f"{_UNSETTLED[verdict.verdict]}: {_why(verdict)}")
        return Checked(shown, cites, quotes, p)


# A sentence one source bears out that the figure rules across all sources leave unsettled: why it goes.
_UNSETTLED = {"disputed": "sources differ", "out_of_date": "out of date",
              "contradicted": "another source states otherwise"}  # fmt: skip


def _why(verdict: Verdict) -> str:
    """The figures that leave a sentence unsettled, each with its source's title: "9,999 (Notes …) and 2,012
    (Over 140 …)"; else the verdict's first sentence."""
    title = {c.n: c.title or c.doc_id for c in verdict.citations}
    for part in verdict.parts:
        if part.status == verdict.verdict and part.also:
            said = [f"{part.evidence} ({title.get(part.n, '')})"]
            said += [f"{o.figure} ({title.get(o.n, '')})" for o in part.also]
            return " and ".join(said)
    return re.split(r"(?<=[.;])\s", verdict.explanation, maxsplit=1)[0].rstrip(".;")


def _cited_parts(sentence: str) -> list[str]:
    """The sentence cut after each run of markers that text both precedes and follows: one part per cited
    statement (markers leading the sentence belong to its first part)."""
    cuts = [
        m.end()
        for m in re.finditer(r"(?:\s*\[\d{1,3}\])+", sentence)
        if re.search(r"\w", MARKER.sub("", sentence[: m.start()])) and re.search(r"\w", sentence[m.end() :])
    ]
    bounds = [0] + cuts + [len(sentence)]
    parts = [sentence[a:b].strip(" ,;") for a, b in zip(bounds, bounds[1:], strict=False)]
    return [p for p in parts if re.search(r"\w", MARKER.sub("", p))] or [sentence]


def _same_value(q: Quantity, f: Quantity) -> bool:
    """The written figure states the same value as the source's (16.4% = 16.4 per cent, 2,012 = 2012)."""
    return q.kind == f.kind and math.isclose(q.value, f.value, rel_tol=1e-9) and q.qualifier == f.qualifier


def _names(sentence: str) -> list[str]:
    """The names the cited sources must hold: capitalised words and version numbers, the sentence's first
    word excepted (capitalised by position); its years are figures, checked as such."""
    first = re.match(r"\W*([\w'’-]+)", sentence)
    skip = first.group(1) if first else ""
    return [n for n in names(sentence, years=False) if n != skip]


def _refs(cites: list[int]) -> str:
    return "".join(f"[{n}]" for n in cites)
