"""The figure-verdict confidence (reasoning/confidence.py) and the claims its fit is made of."""

from __future__ import annotations

import pytest

from assistant.measuring.confidence_fit import altered, fit
from assistant.models import AssistantError
from assistant.reasoning.confidence import FIGURE_FEATURES, FigureConfidence


def test_a_generated_false_claim_changes_one_stated_figure_as_the_sentence_writes_numbers():
    assert altered("A property with a rateable value below £12,000 gets 100% relief.") == (
        "A property with a rateable value below £18,000 gets 100% relief."
    )
    assert altered("You have to wait at least 3 working days.") == "You have to wait at least 5 working days."
    assert altered("Growth was 16.4% in 2024.") == "Growth was 24.6% in 2024."
    assert altered("The office opened in 2019.") is None  # a year states nothing to change


def test_a_model_fitted_on_other_features_is_refused():
    with pytest.raises(AssistantError, match="train-confidence"):
        FigureConfidence(["exact"], {"supported": [1.0]}, {"supported": 0.0}, {})


def _rows(kind: str, n: int, right_when_exact: bool) -> list[dict]:
    rows = []
    for i in range(n):
        exact = float(i % 2)
        row = dict.fromkeys(FIGURE_FEATURES, 0.0) | {"exact": exact, "cover": 0.5 + (i % 5) / 10}
        rows.append(row | {"verdict": kind, "right": bool(exact) == right_when_exact or i % 7 == 0,
                           "split": "test" if i % 5 == 0 else "fit"})  # fmt: skip
    return rows


def test_the_fit_learns_what_a_right_verdict_looks_like_and_measures_it_on_held_out_guides():
    model, report = fit(_rows("supported", 200, True) + _rows("contradicted", 200, True), claims=400)
    exact = dict.fromkeys(FIGURE_FEATURES, 0.0) | {"exact": 1.0, "cover": 0.7}
    loose = exact | {"exact": 0.0}
    assert model.probability("supported", exact) > 0.8 > 0.5 > model.probability("supported", loose)
    assert model.probability("out_of_date", exact) == model.probability("supported", exact)
    assert report["supported"]["test"]["n"] == 40 and report["supported"]["fitted_on"] == 160
    assert report["supported"]["test"]["brier"] < report["supported"]["test_constant"]["brier"]
    assert "160 figure verdicts" in model.basis["supported"]


def test_the_shipped_confidence_loads():
    model = FigureConfidence.load()
    assert model.features == FIGURE_FEATURES and set(model.coef) == {"supported", "contradicted"}
    assert model.meta["rows"] > 100
