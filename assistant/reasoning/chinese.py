"""Chinese questions: a sentence ranker fitted on CMRC 2018 (people's questions over Chinese Wikipedia;
`policy-assistant lab train-chinese`), read by NumPy alone.

Chinese questions mostly re-use the words of the sentence that answers them, with the answer replaced by
a question word (多少, 谁, 什么时候). So beside the selector's term features (and its meaning features,
where the embedder reads Chinese) each sentence is described by how much of the question it holds in
order, alone and after its document's title, whether it holds the words either side of the question word,
and whether it has the kind of fact asked for. Two fitted variants: `terms` for an English-only
embedder, `meaning` for the multilingual one. Weights live in `assistant/data/chinese.json`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np

from assistant.models import AnswerType, AssistantError
from assistant.reasoning.fitted import (
    Fitted,
    read_json,
    read_trees,
    refit,
    sigmoid,
    tree_logits,
    vector,
    write_json,
)
from assistant.reasoning.selection import FEATURES, Candidate
from assistant.text.normalise import fold, is_chinese  # noqa: F401 - the answerer asks is_chinese here
from assistant.text.words import CHINESE_MEASURE_WORDS, CHINESE_QUESTION_WORDS

MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "chinese.json"
Variant = Literal["terms", "meaning"]
VARIANTS: tuple[Variant, ...] = ("terms", "meaning")

_QUESTION_WORD = re.compile("|".join(sorted(CHINESE_QUESTION_WORDS, key=len, reverse=True)))
_NOT_TEXT = re.compile(r"[\W_]+")
_DATE = re.compile(r"\d+\s*[年月日]|[一二三四五六七八九十〇零]{2,}年|[一二三四五六七八九十]+月")
_COUNT = re.compile(rf"\d|[一二三四五六七八九十百千万亿两]+[{CHINESE_MEASURE_WORDS}年元]")

COPY_FEATURES = [
    "copy_longest", "copy_longest_log", "copy_in_order", "left_copy", "right_copy", "left_2", "left_4",
    "right_2", "length_chars", "kind_number", "kind_date", "title_mark", "titled_in_order",
    "titled_left_copy",
]  # fmt: skip
_GAPS = ["lex_matched_idf", "lex_sentence", "copy_longest", "copy_in_order", "left_copy", "titled_in_order"]


def variant_for(english_only: bool) -> Variant:
    """The variant fitted for an embedder: without its meanings when it cannot read Chinese."""
    return "terms" if english_only else "meaning"


def chinese_kind(question: str) -> AnswerType:
    """What a Chinese question asks for, by its question word."""
    m = _QUESTION_WORD.search(fold(question))
    return CHINESE_QUESTION_WORDS[m.group(0)] if m else "other"  # type: ignore[return-value]


def feature_names(variant: Variant) -> list[str]:
    """Selector features used (type features are English; meaning features only where Chinese is read),
    the copy features, each gap feature's distance to the best candidate of the question, then every one
    of those as its rank among the question's candidates (1 for the best, 1/2 for the next...)."""
    base = [
        f
        for f in FEATURES
        if not f.startswith("type_") and (variant == "meaning" or not f.startswith("cos_"))
    ]
    values = base + COPY_FEATURES + [f"{g}_gap" for g in _GAPS]
    return values + [f"{f}_rank" for f in values]


def _longest(a: str, b: str) -> int:
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def _in_order(a: str, b: str) -> float:
    """Share of `a` found in `b` as common runs of two or more characters, in order."""
    if not a:
        return 0.0
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(x.size for x in blocks if x.size >= 2) / len(a)


def copy_features(question: str, sentence: str, title: str = "") -> dict[str, float]:
    """How the question re-uses the sentence's words; the titled_ ones read the sentence after its
    document's title, which states the subject its sentences leave out (全年… under 白石…2024年…通报).
    Traditional characters are read as simplified, as the ranker was fitted on simplified text."""
    question, sentence, title = fold(question), fold(sentence), fold(title)
    q = _NOT_TEXT.sub("", question)
    m = _QUESTION_WORD.search(q)
    left, right = (q[: m.start()], q[m.end() :]) if m else (q, "")
    kind = CHINESE_QUESTION_WORDS[m.group(0)] if m else "other"
    longest = _longest(q, sentence)
    titled = _NOT_TEXT.sub("", title) + sentence
    rest = q.replace(m.group(0), "") if m else q  # the question without its question word
    return {
        "copy_longest": longest / max(1, len(q)),
        "copy_longest_log": math.log1p(longest),
        "copy_in_order": _in_order(rest, sentence),
        "left_copy": _longest(left, sentence) / max(1, len(left)),
        "right_copy": _longest(right, sentence) / len(right) if right else 0.0,
        "left_2": float(bool(left) and left[-2:] in sentence),
        "left_4": float(len(left) >= 4 and left[-4:] in sentence),
        "right_2": float(bool(right) and right[:2] in sentence),
        "length_chars": math.log1p(len(sentence)),
        "kind_number": float(kind == "number" and bool(_COUNT.search(sentence))),
        "kind_date": float(kind == "date" and bool(_DATE.search(sentence))),
        "title_mark": float("《" in sentence),
        "titled_in_order": _in_order(rest, titled),
        "titled_left_copy": _longest(left, titled) / max(1, len(left)),
    }


def rows(question: str, candidates: list[Candidate], variant: Variant) -> np.ndarray:
    """The feature rows of a question's candidates (selector features must already be computed)."""
    names = feature_names(variant)
    selected = [f for f in names if f in FEATURES]
    if not candidates:
        return np.zeros((0, len(names)))
    base = np.array([[c.named[f] for f in selected] + vector(copy_features(question, c.text, c.hit.title),
                                                             COPY_FEATURES) for c in candidates])  # fmt: skip
    head = names[: base.shape[1]]
    gaps = base[:, [head.index(g) for g in _GAPS]]
    values = np.hstack([base, gaps - gaps.max(axis=0)])
    ranks = np.argsort(np.argsort(-values, axis=0, kind="stable"), axis=0, kind="stable")
    return np.hstack([values, 1.0 / (1.0 + ranks)])


@dataclass
class ChineseModel(Fitted):
    """One fitted variant: boosted trees over `features`, and the calibration of the chosen candidate (its
    logit and lead over the runner-up) into P(its sentence holds the answer). Its file holds every variant:
    `load` reads one of them, `save` writes this one and keeps the others."""

    WHAT: ClassVar[str] = "the Chinese ranker"
    PATH: ClassVar[Path] = MODEL_PATH
    COMMAND: ClassVar[str] = "train-chinese"

    variant: Variant
    features: list[str]
    trees: list[dict]
    intercept: float
    calibration: list[float]  # weights for [logit, margin, 1]
    answer_at: float  # at or above: quoted as the answer; below: closest passages, hedged
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise AssistantError(
                f"unknown Chinese ranker variant {self.variant!r}; valid: {', '.join(VARIANTS)}"
            )
        self.require_features(self.features, feature_names(self.variant))
        self._trees = read_trees(self.trees)

    @classmethod
    def load(cls, path: Path | None = None, variant: Variant = "meaning") -> ChineseModel:
        return pick(load(path or MODEL_PATH), variant)

    def save(self, path: Path | None = None) -> None:
        save(self, path or MODEL_PATH)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return tree_logits(self._trees, x, self.intercept) if len(x) else np.zeros(0)

    def confidence(self, logit: float, margin: float) -> float:
        a, b, c = self.calibration
        return sigmoid(a * logit + b * margin + c)

    def choose(self, question: str, candidates: list[Candidate]) -> tuple[Candidate | None, float]:
        """Score the candidates (their `score` is set); the best and the confidence that it answers."""
        if not candidates:
            return None, 0.0
        for c, s in zip(candidates, self.logits(rows(question, candidates, self.variant)), strict=True):
            c.score = float(s)
        ranked = sorted(candidates, key=lambda c: -c.score)
        margin = ranked[0].score - ranked[1].score if len(ranked) > 1 else 5.0
        return ranked[0], self.confidence(ranked[0].score, margin)


def load(path: Path = MODEL_PATH) -> dict[str, ChineseModel]:
    """The fitted variants by name (none when the file does not exist yet)."""
    data = read_json(path, ChineseModel.WHAT, ChineseModel.COMMAND, missing_ok=True) or {}
    return {name: ChineseModel.from_dict(m, Path(path)) for name, m in data.items()}


def pick(models: dict[str, ChineseModel], variant: Variant) -> ChineseModel:
    """The ranker of one variant, among those `load` read."""
    if variant not in models:
        raise AssistantError(f"no Chinese ranker for the {variant!r} variant in {MODEL_PATH.name}; "
                             f"fit it with {refit(ChineseModel.COMMAND)}")  # fmt: skip
    return models[variant]


def save(model: ChineseModel, path: Path = MODEL_PATH) -> None:
    """Write one variant, keeping the other."""
    data = read_json(path, ChineseModel.WHAT, ChineseModel.COMMAND, missing_ok=True) or {}
    data[model.variant] = model.to_dict()
    write_json(path, data, ChineseModel.INDENT)
