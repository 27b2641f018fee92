"""Learned claim verdicts: features of each (claim, evidence sentence) pair (meaning, shared terms, figures,
polarity and direction), two boosted-tree scorers (the sentence states the claim / states the opposite) and
precision-first thresholds, fitted on SciFact training claims by `policy-assistant lab train-verdicts`
(measuring/verdict_fit.py). Weights live in `assistant/data/verdicts.json`; scoring needs only NumPy."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np

from assistant.models import Hit
from assistant.reasoning.fitted import Fitted, read_trees, sigmoid, tree_logits, vector
from assistant.reasoning.selection import gather, held_share
from assistant.text.chunking import is_heading, sentence_spans, titled
from assistant.text.lexicon import join_phrases
from assistant.text.names import certain_runs
from assistant.text.numbers import CONTEXT_KINDS, Quantity, read_quantities, relative_years, word_direction
from assistant.text.words import NEGATIONS, STOP_WORDS

MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "verdicts.json"
FEATURES = [
    "cos", "cos_gap", "cos_rank", "recall", "weighted_recall", "passage_recall", "precision", "hit_rank",
    "neg_claim", "neg_sentence", "neg_mismatch", "neg_terms_mismatch", "dir_claim", "dir_agree",
    "dir_conflict", "antonym", "fig_claim", "fig_implied", "fig_conflict", "names_share", "position",
    "length",
]  # fmt: skip
_WORD = re.compile(r"[a-z][a-z'’-]*|\d+(?:[.,/]\d+)*|[,;:()]")
_CLAUSE_BREAKS = frozenset(",;:()") | {"but", "whereas", "while", "although", "however"}
_WINDOW = 3  # content words either side of a direction word that it is read as applying to
_NEGATION_REACH = 6  # words after a negation that it applies to
_OPPOSITE_PREFIXES = ("in", "un", "non", "non-", "im", "dis")
_RELATIVE_WORDS = frozenset(
    {"who", "which", "that", "whose", "whom"}
)  # a relative clause says something else
_REVERSALS = ("neg_mismatch", "neg_terms_mismatch", "dir_conflict", "antonym")  # a polarity conflict


def _is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith(("n't", "n’t"))


@dataclass
class Reading:
    """What polarity and direction a sentence gives its terms: stem -> +1 (up) / -1 (down), the stems
    under a negation, and how many negations it holds."""

    words: set[str]
    signed: dict[str, int]
    negated: set[str]
    negations: int


def read(text: str, stem: Callable[[str], str]) -> Reading:
    """Within each clause: a negation flips the direction words after it (up to `_NEGATION_REACH` words)
    and marks the content words after it as negated; a direction word signs the content words within
    `_WINDOW` content words of it."""
    signed: dict[str, int] = {}
    negated: set[str] = set()
    negations = 0
    clause: list[str] = []
    for w in [*join_phrases(_WORD.findall(text.lower())), ","]:
        if w not in _CLAUSE_BREAKS:
            clause.append(w)
            continue
        negations += sum(map(_is_negation, clause))
        content = [(i, x) for i, x in enumerate(clause) if x not in STOP_WORDS and len(x) > 2
                   and not _is_negation(x) and not word_direction(x)]  # fmt: skip
        for i, x in enumerate(clause):
            sign = word_direction(x)
            if sign:
                if any(_is_negation(v) for v in clause[max(0, i - _NEGATION_REACH) : i]):
                    sign = -sign
                near = [k for k, (j, _) in enumerate(content) if j > i] or [len(content)]
                at = near[0]
                for _, y in content[max(0, at - _WINDOW) : at + _WINDOW]:
                    signed[stem(y)] = signed.get(stem(y), 0) + sign
            elif _is_negation(x):
                negated.update(stem(y) for j, y in content if i < j <= i + _NEGATION_REACH)
        clause = []
    words = {stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 2}
    return Reading(words, {k: (v > 0) - (v < 0) for k, v in signed.items() if v}, negated, negations)


Polarity = Literal["same", "reversed", "unclear"]


def _clauses(text: str) -> list[list[str]]:
    """The words of each clause, figures cut out ("not more than £31" and "can't charge more than £31" bound
    a figure; they negate nothing)."""
    for q in read_quantities(text):
        start = q.negated_from if q.negated_from >= 0 else q.start  # its negation bounds it, as "no more"
        text = text[:start] + " " * (q.end - start) + text[q.end :]
    out, clause = [], []
    words = join_phrases(_WORD.findall(text.lower()))
    for k, w in enumerate([*words, ","]):
        if w in _CLAUSE_BREAKS or w in _RELATIVE_WORDS:
            if clause:
                out.append(clause)
            clause = []
        elif not (w == "not" and words[k + 1 : k + 2] == ["only"]):  # "not only … but also" adds
            clause.append(re.sub(r"['’]s$", "", w))
    return out


def polarity(claim: str, sentence: str, stem: Callable[[str], str], cover: float = 0.5,
             carried: Sequence[str] = ()) -> Polarity:  # fmt: skip
    """Does the sentence's run of clauses that holds most of the claim's words (at least `cover` of them,
    words of direction and negation aside; `carried`: names its passage is about, which it need not repeat)
    say it the same way or the other way round? Reversed: one is negated and the other not ("is
    means-tested" / "is not means-tested"), or a word of both goes up in one and down in the other ("cut" /
    "stepped up" their investment) where each holds one word of direction (two may compose: blocking what
    prevents). Same: equal negation and no word of direction in either, or only agreeing ones. Else unclear
    (a direction word on one side only: the lexicon may lack its opposite)."""
    claim_words = [w for c in _clauses(claim) for w in c]
    wanted = {stem(w) for w in claim_words if w not in STOP_WORDS and len(w) > 2}
    wanted = {w for w in wanted if not _is_negation(w) and not word_direction(w)}
    if not wanted:
        return "unclear"
    held = {stem(w) for n in carried for w in _WORD.findall(n.lower())}
    clauses = _clauses(sentence) or [[]]
    spans = [
        [w for c in clauses[i : j + 1] for w in c]
        for i in range(len(clauses))
        for j in range(i, len(clauses))
    ]
    # the run of clauses holding most of the claim's words, the shortest of those: an aside between commas
    # ("…, including Eli Lilly and Pfizer, stepped up …") does not cut the statement in two
    best = max(spans, key=lambda c: (len(wanted & {stem(w) for w in c}), -len(c)))
    if len(wanted & ({stem(w) for w in best} | held)) < cover * len(wanted):
        return "unclear"  # the clause does not say the claim's thing: nothing to compare
    c, s = read(" ".join(claim_words), stem), read(" ".join(best), stem)
    if _negations_on(claim_words, wanted, stem) % 2 != _negations_on(best, wanted, stem) % 2:
        return "reversed"
    agree = sum(1 for t, v in c.signed.items() if s.signed.get(t) == v)
    conflict = sum(1 for t, v in c.signed.items() if s.signed.get(t) == -v)
    stacked = any(sum(1 for w in words if word_direction(w)) > 1 for words in (claim_words, best))
    if conflict and not agree and not stacked:  # "blocking X prevented Y": directions that compose
        return "reversed"
    return "same" if agree or not (c.signed or s.signed) else "unclear"


def _negations_on(words: list[str], wanted: set[str], stem: Callable[[str], str]) -> int:
    """The negations that bear on the claim's words: one of them within `_NEGATION_REACH` words after it
    ("is not means-tested"; not "without a means test" when the claim says means-tested)."""
    return sum(
        1 for i, w in enumerate(words)
        if _is_negation(w) and any(stem(x) in wanted for x in words[i + 1 : i + 1 + _NEGATION_REACH])
    )  # fmt: skip


def _antonyms(a: set[str], b: set[str]) -> int:
    """Word pairs that differ by a negating prefix (dependent / independent, stable / unstable)."""
    return sum(1 for w in a for p in _OPPOSITE_PREFIXES if p + w in b) + sum(
        1 for w in b for p in _OPPOSITE_PREFIXES if p + w in a
    )


@dataclass
class Pair:
    """One candidate evidence sentence for a claim, with its features and (once scored) probabilities."""

    hit: Hit
    rank: int  # the hit's rank in the search
    start: int  # offsets in hit.passage
    end: int
    named: dict[str, float] = field(default_factory=dict)  # FEATURES by name
    support: float = 0.0
    contradict: float = 0.0
    eligible: bool = True  # on the claim's subject: half its names in the passage, its years in the sentence
    figures: list[str] = field(default_factory=list)  # per claim figure: supported / contradicted / not_found

    @property
    def text(self) -> str:
        return self.hit.passage[self.start : self.end]

    @property
    def features(self) -> list[float]:
        """The verdict model's row: the features in the order of FEATURES."""
        return vector(self.named, FEATURES)

    @property
    def states_figures(self) -> bool:
        """Every figure of the claim is implied here (a sentence that supports a claim must)."""
        return all(status == "supported" for status in self.figures)

    @property
    def reverses(self) -> bool:
        """The sentence negates or turns around something the claim states (any polarity conflict)."""
        return any(self.named[k] > 0 for k in _REVERSALS)


class PairFeaturizer:
    """The features of every sentence of the top passages against a claim; shared by checking and fitting."""

    def __init__(self, keyword, embed: Callable[[Sequence[str]], np.ndarray],
                 stored: Callable[[list[str]], dict] | None = None, passages: int = 6,
                 same_subject: Callable[[Quantity, Quantity], bool] | None = None):  # fmt: skip
        self.keyword, self.embed, self.stored, self.passages = keyword, embed, stored, passages
        self.same_subject = same_subject or (lambda a, b: True)

    def pairs(
        self, claim: str, hits: list[Hit], names: list[str], required: Sequence[str] = ()
    ) -> list[Pair]:
        """Every sentence of the top passages beside the claim. A pair is eligible when its passage holds
        half the claim's `names`, half the runs of those no sentence start capitalised (`certain_runs`:
        "Actual use of capital in Beijing" needs Beijing, "… in Harbor City" Harbor City), and every
        `required` one (the subject a draft carries), and its sentence holds the claim's years."""
        from assistant.reasoning.answer import coverage, key_terms

        hits = hits[: self.passages]
        pairs = [Pair(h, r, a, b) for r, h in enumerate(hits) for a, b in sentence_spans(h.passage)
                 if not is_heading(h.passage[a:b])]  # fmt: skip
        if not pairs:
            return []
        head, vectors = gather(self.embed, self.stored, [claim], [(p.hit, p.start, p.end) for p in pairs])
        cos = vectors @ head[0]
        order = np.argsort(-cos).argsort()
        tokenize = self.keyword.tokenize
        stem = self.keyword.tokenize.stem
        claim_tokens = set(tokenize(claim))
        weights = key_terms(self.keyword, claim, set())
        c = read(claim, stem)
        quantities = read_quantities(claim)
        figures = [f for f in quantities if f.kind not in CONTEXT_KINDS]
        years = {f.text for f in quantities if f.kind == "year"}
        passage_cover = {h.chunk_id: coverage(weights, tokenize(titled(h.title, h.passage))) for h in hits}
        names_share = {h.chunk_id: held_share(names, h) for h in hits}
        certain = certain_runs(claim)
        whose = {h.chunk_id: held_share(certain, h) >= 0.5 and held_share(required, h) == 1 for h in hits}
        counts: dict[str, int] = {}
        for p in pairs:
            counts[p.hit.chunk_id] = counts.get(p.hit.chunk_id, 0) + 1
        seen: dict[str, int] = {}
        best = float(cos.max())
        for k, p in enumerate(pairs):
            text = p.text
            toks = tokenize(text)
            s = read(text, stem)
            shared = c.words & s.words
            agree = sum(1 for t, v in c.signed.items() if s.signed.get(t) == v)
            conflict = sum(1 for t, v in c.signed.items() if s.signed.get(t) == -v)
            source = read_quantities(text)
            p.figures = [judge_figure(f, source, self.same_subject)[0] for f in figures]
            said = relative_years(text, p.hit.date) if years else set()  # "last year" in a 2025 report
            p.eligible = (
                names_share[p.hit.chunk_id] >= 0.5
                and whose[p.hit.chunk_id]
                and all(y in text or y in said for y in years)
            )
            position = seen.get(p.hit.chunk_id, 0)
            seen[p.hit.chunk_id] = position + 1
            p.named = {
                "cos": float(cos[k]),
                "cos_gap": float(cos[k]) - best,
                "cos_rank": float(order[k]),
                "recall": len(claim_tokens & set(toks)) / max(1, len(claim_tokens)),
                "weighted_recall": coverage(weights, toks),
                "passage_recall": passage_cover[p.hit.chunk_id],
                "precision": len(set(toks) & claim_tokens) / max(1, len(set(toks))),
                "hit_rank": float(p.rank),
                "neg_claim": float(c.negations % 2),
                "neg_sentence": float(s.negations % 2),
                "neg_mismatch": float(c.negations % 2 != s.negations % 2),
                "neg_terms_mismatch": float(len((c.negated ^ s.negated) & shared)),
                "dir_claim": float(len(c.signed)),
                "dir_agree": float(agree),
                "dir_conflict": float(conflict),
                "antonym": float(_antonyms(c.words, s.words)),
                "fig_claim": float(len(figures)),
                "fig_implied": float(p.figures.count("supported")),
                "fig_conflict": float(p.figures.count("contradicted")),
                "names_share": names_share[p.hit.chunk_id],
                "position": position / max(1, counts[p.hit.chunk_id] - 1),
                "length": float(len(toks)),
            }
        return pairs


Subject = Callable[[Quantity, Quantity], bool]
_LIMITS = ("le", "ge")  # "up to", "at most", "at least", "a minimum of": limits set, not loose descriptions


def judge_figure(figure: Quantity, source: list[Quantity], same_subject: Subject) -> tuple[str, list]:
    """A claim figure against a sentence's figures: supported (with the one that implies it) when one of
    the same kind and subject implies it and no said direction turns it around (rose 3.7%, 下降3.7%);
    contradicted (with those that clash) when some rule it out, by value or direction; else not_found,
    also when the sentence is only less precise ('over 7,000' neither confirms nor refutes 7,035; 'March
    2025' neither confirms nor refutes March 1). A limit a rule sets ("up to", "at least") is compared with
    the same limit as stated: a rebate of up to 45,000 is not borne out by one of up to 30,000."""
    same = [e for e in source if e.kind == figure.kind and same_subject(figure, e)]
    if figure.qualifier in _LIMITS:  # "up to 45,000" against "up to 30,000": two caps, compared as stated
        limits = [e for e in same if e.qualifier == figure.qualifier]
        if limits:
            equal = [e for e in limits if math.isclose(e.value, figure.value, rel_tol=1e-9)]
            return ("supported", equal) if equal else ("contradicted", limits)
    implied = next((e for e in same if e.implies(figure) and figure.direction * e.direction >= 0), None)
    if implied is not None:
        return "supported", [implied]
    clashing = [e for e in same if figure.direction * e.direction < 0 or not e.overlaps(figure)]
    return ("contradicted", clashing) if clashing else ("not_found", [])


POLARITY_FEATURES = [
    "neg_claim", "neg_sentence", "neg_mismatch", "neg_terms_mismatch", "dir_claim", "dir_agree",
    "dir_conflict", "antonym", "fig_claim", "fig_implied", "fig_conflict",
]  # fmt: skip


@dataclass
class VerdictModel(Fitted):
    """P(the sentence is evidence on the claim) from boosted trees over FEATURES, times P(it states the
    opposite | evidence) from a logistic model over POLARITY_FEATURES; then the claim-level calibration and
    thresholds."""

    WHAT: ClassVar[str] = "the verdict model"
    PATH: ClassVar[Path] = MODEL_PATH
    COMMAND: ClassVar[str] = "train-verdicts"
    INDENT: ClassVar[int | None] = None  # one line, as shipped

    features: list[str]
    relevance: dict  # {"intercept": float, "trees": [...]}
    polarity: dict  # {"intercept": float, "coef": {feature: weight}}
    calibration: dict  # verdict -> [a, b]: P(right) = sigmoid(a * best probability + b)
    thresholds: dict  # verdict -> calibrated confidence at or above which it is given
    rule_precision: dict  # verdict -> share right of the figure rules' verdicts on the fitting claims
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.require_features(self.features, FEATURES)
        self.require_features(set(self.polarity["coef"]), set(POLARITY_FEATURES))
        self._trees = read_trees(self.relevance["trees"])
        self._coef = np.asarray([self.polarity["coef"].get(f, 0.0) for f in FEATURES])

    def probabilities(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(P(states the claim), P(states its opposite)) per row."""
        relevant = 1.0 / (1.0 + np.exp(-np.clip(tree_logits(self._trees, rows, self.relevance["intercept"]),
                                                -40, 40)))  # fmt: skip
        opposite = 1.0 / (1.0 + np.exp(-np.clip(rows @ self._coef + self.polarity["intercept"], -40, 40)))
        return relevant * (1 - opposite), relevant * opposite

    def score(self, pairs: list[Pair]) -> None:
        if not pairs:
            return
        support, contradict = self.probabilities(np.asarray([p.features for p in pairs], dtype=np.float64))
        for p, s, c in zip(pairs, support, contradict, strict=True):
            p.support, p.contradict = float(s), float(c)

    def confidence(self, verdict: str, probability: float) -> float:
        a, b = self.calibration[verdict]
        return sigmoid(a * probability + b)
