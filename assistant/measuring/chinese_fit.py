"""`train-chinese`: fits the Chinese sentence ranker (reasoning/chinese.py) on the CMRC 2018 trial questions
whose paragraphs are not held out (`cmrc.held_out`), for the index's embedder, and reports how often the
chosen sentence holds the answer on the held-out paragraphs, which the fit never sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.measuring import cmrc
from assistant.measuring.training import _chosen, boosting_baseline, export_trees
from assistant.models import AssistantError


@dataclass
class Example:
    paragraph: str
    held_out: bool
    features: np.ndarray
    labels: np.ndarray


def variant_of(assistant) -> str:
    from assistant.reasoning.chinese import variant_for

    return variant_for(assistant.query_embedder.english_only)


def collect(assistant, questions: list[cmrc.Question], variant: str) -> list[Example]:
    """Each question searched and its candidate sentences described as the answerer will see them."""
    from assistant.reasoning.chinese import rows
    from assistant.text.normalise import normalise

    out = []
    for q in questions:
        query, hits = assistant.retrieve(q.text, None)
        candidates = assistant.answerer.candidates(query, hits)
        gold = [normalise(a) for a in q.answers]
        labels = np.array([any(g in normalise(c.text) for g in gold) for c in candidates], dtype=bool)
        out.append(
            Example(q.paragraph, cmrc.held_out(q.paragraph), rows(q.text, candidates, variant), labels)
        )
    return out


def _trees():
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(n_estimators=200, learning_rate=0.05, max_leaf_nodes=15,
                                      min_samples_leaf=40, subsample=0.5, random_state=0)  # fmt: skip


def _stack(examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([e.features for e in examples]), np.concatenate([e.labels for e in examples])


def answer_threshold(chosen: list[tuple[float, bool]], precision: float = 0.9, least: int = 25) -> float:
    """The lowest confidence whose questions at or above it were answered right `precision` of the time
    (at least `least` of them); 1.0 (never unhedged) when none is."""
    best = 1.0
    ordered = sorted(chosen, key=lambda x: -x[0])
    right = 0
    for n, (conf, ok) in enumerate(ordered, start=1):
        right += ok
        if n >= least and right / n >= precision:
            best = conf
    return round(best, 4)


def fit(examples: list[Example], variant: str):
    """Trees on the fit paragraphs; calibration on their out-of-fold scores (paragraphs grouped)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from assistant.reasoning.chinese import ChineseModel, feature_names

    fit_ex = [e for e in examples if len(e.labels)]
    groups = np.array([e.paragraph for e in fit_ex])
    if len(set(groups)) < 2:
        raise AssistantError("train-chinese needs questions over two paragraphs or more, not held out")
    oof = []
    for train_idx, test_idx in GroupKFold(n_splits=min(5, len(set(groups)))).split(fit_ex, groups=groups):
        m = _trees().fit(*_stack([fit_ex[k] for k in train_idx]))
        oof += [_chosen(m.decision_function(fit_ex[k].features), fit_ex[k].labels) for k in test_idx]
    final = _trees().fit(*_stack(fit_ex))
    right = [v[2] for v in oof]
    if 0 < sum(right) < len(right):
        cal = LogisticRegression(C=10.0, max_iter=1000).fit([[v[0], v[1]] for v in oof], right)
        calibration = [float(cal.coef_[0][0]), float(cal.coef_[0][1]), float(cal.intercept_[0])]
    else:  # all right (or all wrong): one confidence for all, the Laplace-smoothed share
        p = (sum(right) + 1) / (len(right) + 2)
        calibration = [0.0, 0.0, float(np.log(p / (1 - p)))]
    model = ChineseModel(
        variant=variant,  # type: ignore[arg-type]
        features=feature_names(variant),  # type: ignore[arg-type]
        trees=export_trees(final),
        intercept=boosting_baseline(final),
        calibration=calibration,
        answer_at=1.0,
    )
    model.answer_at = answer_threshold([(model.confidence(v[0], v[1]), v[2]) for v in oof])
    return model, round(float(np.mean([v[2] for v in oof])), 3)


def measure(model, examples: list[Example]) -> dict:
    """First-sentence precision, and how many are answered unhedged and how often rightly."""
    chosen = []
    for e in examples:
        logit, margin, ok = (
            _chosen(model.logits(e.features), e.labels) if len(e.labels) else (0.0, 0.0, False)
        )
        chosen.append((model.confidence(logit, margin) if len(e.labels) else 0.0, ok))
    answered = [ok for conf, ok in chosen if conf >= model.answer_at]
    right = round(sum(ok for _c, ok in chosen) / len(chosen), 3) if chosen else None
    return {
        "questions": len(examples),
        "chosen_sentence_holds_answer": right,
        "answered_unhedged": len(answered),
        "unhedged_precision": round(float(np.mean(answered)), 3) if answered else None,
    }


def train(assistant, data: Path, out: Path) -> dict:
    from assistant.reasoning.chinese import save

    variant = variant_of(assistant)
    paragraphs, questions = cmrc.load(data)
    cmrc.ensure_indexed(assistant, paragraphs, Path(assistant.settings.index_dir) / "bench-data")  # as bench
    examples = collect(assistant, questions, variant)
    model, oof_precision = fit([e for e in examples if not e.held_out], variant)
    held = [e for e in examples if e.held_out]
    model.meta = {
        "data": "CMRC 2018 trial, paragraphs not held out",
        "embedder": assistant.embedder.name,
        "fit_questions": len(examples) - len(held),
        "out_of_fold_first_sentence": oof_precision,
        "held_out": measure(model, held),
    }
    save(model, out)
    return {"variant": variant, "written": str(out)} | model.meta
