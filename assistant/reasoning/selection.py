"""The learned answer selector: meaning and evidence features for each candidate sentence of the top
passages, a fitted logistic model that scores them, and a calibrated confidence for the chosen one.

The weights live in `assistant/data/answerer.json`, written by `policy-assistant lab train-answerer`
(measuring/training.py); this module only reads them, with NumPy, so answering needs no scikit-learn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np

from assistant.models import TITLE_SPAN, AnswerType, AssistantError, Hit
from assistant.reasoning.fitted import Fitted, read_trees, sigmoid, tree_logits, vector
from assistant.text.chunking import is_heading, is_list_item, sentence_spans, titled
from assistant.text.directives import is_directive
from assistant.text.names import FIGURE, figures, name_runs, names
from assistant.text.normalise import CJK_CHAR, is_chinese, romanised_in
from assistant.text.words import MONTHS, NUMBER_WORDS

MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "answerer.json"
POOLED_MODEL_PATH = MODEL_PATH.with_name("answerer-pooled.json")


def selector_key(path: Path) -> str:
    """A selector file's identity (its content), which the reader's reread stages are fitted for."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def model_path(sentences: str | None) -> Path:
    """The selector fitted on an index's kind of sentence vectors: encoded one by one, or pooled."""
    return POOLED_MODEL_PATH if sentences == "pooled" else MODEL_PATH


# General English, not fitted to any question: the words that open a question and what they ask for.
_TYPE_OPENERS: list[tuple[AnswerType, re.Pattern]] = [
    ("percent", re.compile(r"\b(percentage|per ?cent|proportion|share|rate)\b", re.I)),
    ("number", re.compile(r"\bhow (many|much|long|old|often|far)\b|\bnumber of\b", re.I)),
    ("date", re.compile(r"^\W*when\b|\bwhat (year|date|month|day|time)\b|\bwhich (year|date|month)\b", re.I)),
    ("name", re.compile(r"^\W*who\b|\bwhich (person|body|organi[sz]ation|authority|agency)\b", re.I)),
    (
        "yesno",
        re.compile(
            r"^\W*(can|could|may|might|must|should|shall|will|would|is|are|am|was|were|do|"
            r"does|did|have|has|had)\b",
            re.I,
        ),
    ),  # fmt: skip
]
_NUMBER = re.compile(FIGURE.pattern + r"|\b(" + "|".join(sorted(NUMBER_WORDS)) + r")\b", re.I)
_DATE_ONLY = re.compile(r"\b(19|20)\d{2}\b")  # a year alone is not a count
_PERCENT = re.compile(r"\d\s?(%|per ?cent|percentage points?)", re.I)
_DATE = re.compile(r"\b(19|20)\d{2}\b|\b(" + "|".join(MONTHS) + r")\b", re.I)
_MODAL = re.compile(r"\b(can|cannot|can't|must|may|should|need|needs|only|if|unless|eligible|entitled|"
                    r"allowed|not)\b", re.I)  # fmt: skip
_PRONOUNS = {"i", "i'm", "i’m", "i've", "i’ve", "i'd", "i’d", "i'll", "i’ll"}
_QUESTION_END = re.compile(r"\?[\"'”’)\]]*$")

FEATURES_VERSION = 2  # bump when a feature's computation changes: `train-answerer` then collects afresh
FEATURES = [
    "cos_sentence", "cos_window", "cos_passage", "cos_gap", "cos_rank", "cos_situation", "cos_full",
    "cos_title", "cos_lead_in",
    "lex_sentence", "lex_window", "lex_passage", "lex_matched_idf",
    "names_passage", "names_known", "numbers_sentence", "situation_figures_passage",
    "type_number", "type_percent", "type_date", "type_name", "type_yesno",
    "passage_rank", "passage_score", "position", "length", "list_item", "lead_in", "has_situation",
]  # fmt: skip


class Vocabulary(Protocol):
    """What the selector needs of the keyword index: its tokenizer and term statistics."""

    def tokenize(self, text: str) -> list[str]: ...

    def idf(self, tokens: list[str]) -> list[float]: ...

    def frequencies(self, tokens: list[str]) -> list[int]: ...


@dataclass
class Query:
    """The question to answer and, when the asker described their case first, that situation."""

    question: str
    situation: str = ""

    @property
    def full(self) -> str:
        return f"{self.situation} {self.question}".strip()


def split_situation(text: str) -> Query:
    """The last sentence that asks something is the question; what comes before it is the situation."""
    spans = sentence_spans(text)
    if len(spans) < 2:
        return Query(text.strip())
    asking = [i for i, (a, b) in enumerate(spans) if _QUESTION_END.search(text[a:b])]
    last = asking[-1] if asking else len(spans) - 1
    a, b = spans[last]
    situation = " ".join(text[x:y] for i, (x, y) in enumerate(spans) if i != last)
    return Query(text[a:b].strip(), situation.strip())


def answer_type(question: str) -> AnswerType:
    for kind, pattern in _TYPE_OPENERS:
        if pattern.search(question):
            return kind
    return "other"


def question_names(text: str) -> list[str]:
    """What a question is about: its names and every figure in it; the asker's "I'm" names no one."""
    return [n for n in names(text, figures=True) if n.lower() not in _PRONOUNS]


def fits(kind: AnswerType, quote: str, question: str) -> bool:
    """Does a quote hold the kind of fact asked for, and every figure the question itself names? A "who"
    answer must name someone besides the names already in the question."""
    if any(not present(f, quote.lower()) for f in figures(question)):
        return False
    if kind == "number":
        return bool(_NUMBER.search(_DATE_ONLY.sub(" ", quote)))
    if kind == "percent":
        return bool(_PERCENT.search(quote))
    if kind == "date":
        return bool(_DATE.search(quote))
    if kind == "name":
        asked = {n.lower() for n in question_names(question)}
        return any(all(w.lower() not in asked for w in run.split()) for run in name_runs(quote))
    return True


_LATIN_WORD_CHAR = r"[^\W\u3400-\u4dbf\u4e00-\u9fff]"  # a letter or digit that is not a Chinese character


# The figures (as the quantity reader names their kinds) that answer each kind of question.
_ANSWER_FIGURES = {
    "number": {"count", "money"}, "percent": {"percent", "pp"}, "date": {"year", "month", "day"},
}  # fmt: skip


def holds_answer_figure(kind: AnswerType, text: str) -> bool | None:
    """Does the text hold a figure of the kind the question asks for, in any language (127家 for "how
    many", 50% for "what share")? None when the question asks for no figure."""
    from assistant.text.numbers import read_quantities

    wanted = _ANSWER_FIGURES.get(kind)
    if wanted is None:
        return None
    return any(q.kind.split(":")[0] in wanted for q in read_quantities(text))


# Of the figures that answer a question about a number: "how many" asks for a count, "how much" for money
# ("by how much" asks for a change, of any figure).
_NUMBER_ASKED = (
    ("count", re.compile(r"\bhow many\b", re.I)),
    ("money", re.compile(r"(?<!\bby )\bhow much\b", re.I)),
)


def holds_asked_number(question: str, text: str) -> bool | None:
    """Does the text hold a figure of the sort the question's opener asks for (a count for "how many",
    money for "how much")? None when the opener says neither."""
    from assistant.text.numbers import read_quantities

    wanted = next((kind for kind, pattern in _NUMBER_ASKED if pattern.search(question)), None)
    if wanted is None:
        return None
    return any(q.kind.split(":")[0] == wanted for q in read_quantities(text))


def present(name: str, lowered: str) -> bool:
    """Is `name` a whole word (or words) of the lower-cased text? Chinese characters bound a word too:
    2024 is in 2024年."""
    name = name.lower()
    before = "" if CJK_CHAR.match(name[:1]) else rf"(?<!{_LATIN_WORD_CHAR})"  # 青岚综合保税区2025年: a word
    after = "" if CJK_CHAR.match(name[-1:]) else rf"(?!{_LATIN_WORD_CHAR})"
    return re.search(before + re.escape(name) + after, lowered) is not None


def held_share(names: Sequence[str], hit: Hit) -> float:
    """The share of `names` the hit's passage or title writes as whole words (1.0 when there are none):
    whether a passage is about what a claim, question or topic names."""
    if not names:
        return 1.0
    context = titled(hit.title, hit.passage).lower()
    return sum(present(n, context) for n in names) / len(names)


def named_in(name: str, context: str) -> bool:
    """Is a name of a question or claim in the text: as whole words, or, in a Chinese text, one of its words
    as the pinyin of its characters (Songhe: 松河)? Other Latin words ("High-tech Zone") we cannot match."""
    if present(name, context.lower()):
        return True
    return is_chinese(context) and any(romanised_in(w, context) for w in name.split())


def _share_present(names: list[str], context: str, empty: float = 1.0) -> float:
    if not names:
        return empty
    return sum(named_in(n, context) for n in names) / len(names)


@dataclass
class Candidate:
    """One sentence of a top passage, with its features by name and, once scored, its logit."""

    hit: Hit
    rank: int
    start: int  # offsets in hit.passage
    end: int
    named: dict[str, float] = field(default_factory=dict)  # FEATURES by name
    score: float = 0.0  # the selector's logit
    lead_in: bool = False
    list_item: bool = False

    @property
    def text(self) -> str:
        return self.hit.passage[self.start : self.end]

    @property
    def features(self) -> list[float]:
        """The selector's row: the features in the order of FEATURES."""
        return vector(self.named, FEATURES)


def gather(embed: Callable[[Sequence[str]], np.ndarray], stored: Callable[[list[str]], dict] | None,
           texts: list[str], spans: list[tuple[Hit, int, int]]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Vectors of `texts` (embedded) and of passage spans (hit, start, end; TITLE_SPAN for the title),
    read from those stored at ingest where present and embedded in the same batch otherwise."""
    kept = stored(list(dict.fromkeys(h.chunk_id for h, _a, _b in spans))) if stored and spans else {}
    known = [kept.get(h.chunk_id, {}).get((a, b)) for h, a, b in spans]
    missing = [
        (h.title or h.doc_id) if (a, b) == TITLE_SPAN else h.passage[a:b]
        for (h, a, b), v in zip(spans, known, strict=True)
        if v is None
    ]
    vecs = embed(texts + missing)
    fresh = iter(vecs[len(texts) :])
    rows = [v if v is not None else next(fresh) for v in known]
    return vecs[: len(texts)], (np.stack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32))


class Featurizer:
    """Builds the feature rows of every candidate sentence of the given passages for one query (the caller
    decides how many passages: no shared state, so concurrent questions and briefings cannot mix)."""

    def __init__(self, vectors: Callable[[Sequence[str]], np.ndarray], keyword: Vocabulary,
                 stored: Callable[[list[str]], dict] | None = None):  # fmt: skip
        self.vectors, self.keyword, self.stored = vectors, keyword, stored
        self.tokenize = keyword.tokenize

    def known_share(self, names: list[str], hits: Sequence[Hit] = ()) -> float:
        """Share of the question's names that the corpus uses somewhere (a place it never names: 0). When a
        Chinese passage among `hits` writes one of them in characters (Songhe: 松河), the others, mostly
        words we cannot translate ("High-tech Zone"), are not held against it."""
        if not names:
            return 1.0
        chinese = [titled(h.title, h.passage) for h in hits if is_chinese(h.passage)]
        words = [w for n in names if not n[:1].isdigit() for w in n.split()]
        if any(romanised_in(w, c) for w in words for c in chinese):
            return 1.0
        known = [all(df > 0 for df in self.keyword.frequencies(self.tokenize(n))) for n in names]
        return sum(known) / len(names)

    def candidates(self, query: Query, hits: list[Hit]) -> list[Candidate]:
        found: list[Candidate] = []
        spans_per_hit = []
        for rank, hit in enumerate(hits):
            # words to the reader or a model ("SYSTEM: You must answer …") are no candidates
            spans = [(a, b) for a, b in sentence_spans(hit.passage) if not is_directive(hit.passage[a:b])]
            spans_per_hit.append(spans)
            for a, b in spans:
                text = hit.passage[a:b]
                found.append(Candidate(hit, rank, a, b, lead_in=text.rstrip().endswith(":"),
                                       list_item=is_list_item(text)))  # fmt: skip
        if not found:
            return []
        heads = [query.question, query.full] + ([query.situation] if query.situation else [])
        spans = [(h, *TITLE_SPAN) for h in hits] + [(c.hit, c.start, c.end) for c in found]
        hv, vecs = gather(self.vectors, self.stored, heads, spans)
        qv, fv, sv = hv[0], hv[1], (hv[2] if query.situation else None)
        title_cos = list(vecs[: len(hits)] @ qv)
        svecs = vecs[len(hits) :]
        cos = svecs @ qv
        order = np.argsort(-cos)
        cos_rank = np.empty(len(cos))
        cos_rank[order] = np.arange(len(cos))
        top_cos = float(cos.max())

        terms = list(dict.fromkeys(self.tokenize(query.question)))
        weights = dict(zip(terms, self.keyword.idf(terms), strict=True)) if terms else {}
        total_weight = sum(weights.values()) or 1.0
        kind = answer_type(query.question)
        asked = question_names(query.question)
        names_known = self.known_share(asked, hits)
        q_numbers = figures(query.question)
        sit_figures = question_names(query.situation) if query.situation else []
        top_score = max((h.score for h in hits), default=0.0) or 1.0

        def cover(text: str) -> tuple[float, float]:
            present = set(self.tokenize(text))
            matched = sum(w for t, w in weights.items() if t in present)
            return matched / total_weight, matched

        i = 0
        for rank, (hit, spans) in enumerate(zip(hits, spans_per_hit, strict=True)):
            n = len(spans)
            block = svecs[i : i + n]
            pv = block.sum(axis=0)
            pv = pv / (np.linalg.norm(pv) or 1.0)
            context = titled(hit.title, hit.passage)
            lex_passage, _ = cover(context)
            names_passage = _share_present(asked, context)
            sit_passage = _share_present(sit_figures, context, empty=0.0)
            cos_title = title_cos[rank]
            lead_cos = 0.0
            for j in range(n):
                c = found[i + j]
                lo, hi = max(0, j - 1), min(n, j + 2)
                wv = block[lo:hi].sum(axis=0)
                wv = wv / (np.linalg.norm(wv) or 1.0)
                window = hit.passage[spans[lo][0] : spans[hi - 1][1]]
                text = c.text
                lex_s, matched = cover(text)
                lex_w, _ = cover(window)
                has_number = bool(_NUMBER.search(text))
                if c.lead_in:
                    lead_cos = float(cos[i + j])
                elif not c.list_item:
                    lead_cos = 0.0
                c.named = {
                    "cos_sentence": float(cos[i + j]),
                    "cos_window": float(wv @ qv),
                    "cos_passage": float(pv @ qv),
                    "cos_gap": float(cos[i + j] - top_cos),
                    "cos_rank": 1.0 / (1.0 + cos_rank[i + j]),
                    "cos_situation": float(svecs[i + j] @ sv) if sv is not None else 0.0,
                    "cos_full": float(svecs[i + j] @ fv),
                    "cos_title": cos_title,
                    "cos_lead_in": lead_cos if c.list_item else 0.0,
                    "lex_sentence": lex_s,
                    "lex_window": lex_w,
                    "lex_passage": lex_passage,
                    "lex_matched_idf": math.log1p(matched),
                    "names_passage": names_passage,
                    "names_known": names_known,
                    "numbers_sentence": _share_present(q_numbers, text),
                    "situation_figures_passage": sit_passage,
                    "type_number": float(kind == "number" and has_number),
                    "type_percent": float(kind == "percent" and bool(_PERCENT.search(text))),
                    "type_date": float(kind == "date" and bool(_DATE.search(text))),
                    "type_name": float(kind == "name" and bool(name_runs(text))),
                    "type_yesno": float(kind == "yesno" and bool(_MODAL.search(window))),
                    "passage_rank": 1.0 / (1.0 + rank),
                    "passage_score": hit.score / top_score,
                    "position": j / max(1, n - 1),
                    "length": math.log1p(len(text.split())),
                    "list_item": float(c.list_item),
                    "lead_in": float(c.lead_in),
                    "has_situation": float(bool(query.situation)),
                }
            i += n
        # A Markdown heading is read above, in its sentences' windows, as the title of what follows; it
        # states nothing itself, so it is never a candidate to quote.
        return [c for c in found if not is_heading(c.text)]


@dataclass
class SelectorModel(Fitted):
    """Fitted weights: a scorer of candidate features (a logistic model over standardised features, or
    boosted trees when `trees` is set), then a calibration of the chosen candidate (its score and its
    lead over the runner-up) into P(it answers the question)."""

    WHAT: ClassVar[str] = "the answer model"
    PATH: ClassVar[Path] = MODEL_PATH
    COMMAND: ClassVar[str] = "train-answerer"

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    calibration: list[float]  # weights for [score, margin, 1] of the chosen candidate
    answer_at: float  # confidence at or above: quote it as the answer
    closest_at: float  # at or above (and below answer_at): closest passages, hedged
    passages: int = 5  # how many top passages the candidates come from (as in training)
    trees: list[dict] = field(default_factory=list)  # per tree: feature, threshold, left, right, value
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.require_features(self.features, FEATURES)
        if not 0 <= self.closest_at <= self.answer_at <= 1:
            raise AssistantError("answer model thresholds must satisfy 0 <= closest_at <= answer_at <= 1")
        self._mean = np.asarray(self.mean)
        self._scale = np.asarray(self.scale)
        self._coef = np.asarray(self.coef)
        self._trees = read_trees(self.trees)

    def logits(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        if not self._trees:
            return ((rows - self._mean) / self._scale) @ self._coef + self.intercept
        return tree_logits(self._trees, rows, self.intercept)

    def confidence(self, logit: float, margin: float) -> float:
        a, b, c = self.calibration
        return sigmoid(a * logit + b * margin + c)

    @classmethod
    def untrained(cls, passages: int) -> SelectorModel:
        """A placeholder that scores nothing, for collecting training candidates before any fit."""
        n = len(FEATURES)
        return cls(list(FEATURES), [0.0] * n, [1.0] * n, [0.0] * n, 0.0, [1.0, 0.0, 0.0], 0.5, 0.5, passages)


def choose(model: SelectorModel, candidates: list[Candidate]) -> tuple[Candidate | None, float]:
    """Score every candidate; the best one and the calibrated confidence that it answers."""
    if not candidates:
        return None, 0.0
    logits = model.logits(np.asarray([c.features for c in candidates], dtype=np.float64))
    for c, s in zip(candidates, logits, strict=True):
        c.score = float(s)
    ranked = sorted(candidates, key=lambda c: -c.score)
    margin = ranked[0].score - ranked[1].score if len(ranked) > 1 else 5.0
    return ranked[0], model.confidence(ranked[0].score, margin)


@dataclass(frozen=True)
class Reread:
    """The reader's second look at the selector's best candidates: each one's score becomes the selector's
    logit plus `weight` times the reader's relevance logit, and the chosen one's calibration and thresholds
    are refitted on that score. `train-reader` fits it for one selector file, on guides it never fitted."""

    top: int  # candidates read, best by the selector first
    weight: float
    calibration: tuple[float, float, float]  # for [score, margin over the runner-up, 1]
    answer_at: float
    closest_at: float

    def __post_init__(self):
        if self.top < 1 or len(self.calibration) != 3:
            raise AssistantError(f"reread stage needs top >= 1 and 3 calibration weights, got {self}")
        if not 0 <= self.closest_at <= self.answer_at <= 1:
            raise AssistantError("reread thresholds must satisfy 0 <= closest_at <= answer_at <= 1")

    def scores(self, logits: np.ndarray, relevance: np.ndarray) -> np.ndarray:
        """Combined scores from selector logits and the reader's relevance probabilities."""
        p = np.clip(np.asarray(relevance, dtype=np.float64), 1e-6, 1 - 1e-6)
        return np.asarray(logits, dtype=np.float64) + self.weight * np.log(p / (1 - p))

    def confidence(self, score: float, margin: float) -> float:
        a, b, c = self.calibration
        return sigmoid(a * score + b * margin + c)

    def pick(self, logits: np.ndarray, relevance: np.ndarray) -> tuple[int, float]:
        """Index of the chosen candidate among those read (best by the selector first), and its confidence."""
        combined = self.scores(logits, relevance)
        order = np.argsort(-combined, kind="stable")
        margin = float(combined[order[0]] - combined[order[1]]) if len(order) > 1 else 5.0
        return int(order[0]), self.confidence(float(combined[order[0]]), margin)
