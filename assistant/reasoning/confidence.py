"""How sure a verdict of the figure rules is: P(it is right) from how its figures matched (a level stated
exactly or only implied, how much of the claim the evidence sentence holds, how many documents agree,
whether a change or another source bears on it), one logistic model per verdict. Fitted on policy claims
generated from the fitting guides by `policy-assistant lab train-confidence` (assistant/data/confidence.json);
each verdict reports the basis of its number."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from assistant.models import AssistantError
from assistant.reasoning.fitted import Fitted, sigmoid

CONFIDENCE_PATH = Path(__file__).resolve().parents[1] / "data" / "confidence.json"
# exact: every figure's evidence states its level (not only a bound that implies it); cover, own: the least
# share of the claim's terms the deciding sentences hold (with their passage's subject; by themselves);
# sim: their closeness in meaning to the claim; agree: other documents stating the same level (up to 3);
# other: a change or another source bears on a figure; named: the claim names someone or something;
# figures: how many it states (up to 4); chinese; bound: a figure is a bound ("at least", "over").
FIGURE_FEATURES = ["exact", "cover", "own", "sim", "agree", "other", "named", "figures", "chinese", "bound"]


@dataclass
class FigureConfidence(Fitted):
    """P(a figure-rule verdict is right), per verdict; out of date and disputed rest on the supported model
    (their figures matched as a support's do) with `other` set."""

    WHAT: ClassVar[str] = "the figure-verdict confidence"
    PATH: ClassVar[Path] = CONFIDENCE_PATH
    COMMAND: ClassVar[str] = "train-confidence"

    features: list[str]
    coef: dict  # verdict -> weights in `features` order
    intercept: dict  # verdict -> float
    basis: dict  # verdict -> what the number was calibrated on, as a verdict reports it
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.require_features(self.features, FIGURE_FEATURES)
        if set(self.coef) != set(self.intercept) or "supported" not in self.coef:
            raise AssistantError(f"{self.WHAT} in {self.PATH.name} lacks a verdict's weights")

    def kind(self, verdict: str) -> str:
        return verdict if verdict in self.coef else "supported"

    def probability(self, verdict: str, signals: dict[str, float]) -> float:
        kind = self.kind(verdict)
        row = np.array([float(signals.get(f, 0.0)) for f in self.features])
        return sigmoid(float(np.dot(self.coef[kind], row) + self.intercept[kind]))
