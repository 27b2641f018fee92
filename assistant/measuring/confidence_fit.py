"""`train-confidence`: fit the figure-verdict confidence (reasoning/confidence.py) on policy claims
generated from the fitting guides, and measure it on the guides it was not fitted on.

From each indexed guide, a few sentences that state a figure (an amount, a share, a count of something)
become two claims: the sentence as written (a careful reader would mark it supported) and the sentence with
its first such figure changed (contradicted). Each is checked as `check` checks it; every verdict the figure
rules give is a row: how its figures matched (`FIGURE_FEATURES`) and whether it was right. Guides are split
as ConditionalQA's are (by guide: fit, tune, test); the model is fitted on fit and tune, measured on test.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from assistant.measuring import stage_log
from assistant.measuring.conditionalqa import guide_split
from assistant.reasoning.confidence import FIGURE_FEATURES, FigureConfidence
from assistant.text.chunking import is_heading, sentence_spans
from assistant.text.numbers import read_quantities

_log = stage_log("train-confidence")
_AMOUNTS = ("percent", "pp")  # with money and counts of something named
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
KINDS = ("supported", "contradicted")


def _stated(q) -> bool:
    return q.kind in _AMOUNTS or q.kind.startswith("money") or (q.kind == "count" and bool(q.noun))


def _url(doc_id: str) -> str:
    return "https://www.gov.uk/" + Path(doc_id).stem


def altered(sentence: str) -> str | None:
    """The sentence with its first stated figure changed: a small count up by two, anything else by half
    again (£12,000 → £18,000, 16.4% → 24.6%), written the way the sentence writes numbers."""
    for q in read_quantities(sentence):
        if not _stated(q):
            continue
        m = _NUMBER.search(sentence, q.start, q.end)
        if m is None:
            continue
        raw = m.group(0)
        value = float(raw.replace(",", ""))
        new = value + 2 if value < 10 and value == int(value) else value * 1.5
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        text = f"{new:,.{decimals}f}" if "," in raw else f"{new:.{decimals}f}"
        return sentence[: m.start()] + text + sentence[m.end() :]
    return None


def generate(store, per_guide: int = 2) -> list[dict]:
    """Claims (text, gold, doc_id, split) from the indexed guides' sentences that state a figure."""
    sentences: dict[str, list[str]] = defaultdict(list)
    for _ids, texts, metas in store.iter_chunks():
        for text, meta in zip(texts, metas, strict=True):
            for a, b in sentence_spans(text):
                s = re.sub(r"^[-*•]\s+", "", " ".join(text[a:b].split()))
                words = len(s.split())
                if 6 <= words <= 40 and "|" not in s and not is_heading(s) and not s.endswith((":", "?")):
                    if any(_stated(q) for q in read_quantities(s)) and s not in sentences[meta["doc_id"]]:
                        sentences[meta["doc_id"]].append(s)
    claims = []
    for doc_id, found in sorted(sentences.items()):
        found.sort(key=lambda s: hashlib.sha1(s.encode()).hexdigest())  # a fixed, arbitrary choice
        split = guide_split(_url(doc_id))
        for s in found[:per_guide]:
            claims.append({"text": s, "gold": "supported", "doc_id": doc_id, "split": split})
            changed = altered(s)
            if changed:
                claims.append({"text": changed, "gold": "contradicted", "doc_id": doc_id, "split": split})
    return claims


def collect(assistant, claims: list[dict]) -> list[dict]:
    """Each claim checked; a row for every verdict of the figure rules: its signals, verdict and rightness."""
    rows, started = [], time.perf_counter()
    for i, c in enumerate(claims, 1):
        v = assistant.check(c["text"])
        if v.decided_by == "figures" and v.signals:
            rows.append(
                {**v.signals, "verdict": v.verdict, "right": v.verdict == c["gold"], "split": c["split"]}
            )
        if i % 100 == 0:
            _log(f"{i}/{len(claims)} claims checked, {len(rows)} figure verdicts, "
                 f"{time.perf_counter() - started:.0f}s")  # fmt: skip
    return rows


def _report(p: np.ndarray, y: np.ndarray) -> dict:
    """Brier score and expected calibration error (five bins) of probabilities `p` for outcomes `y`."""
    if not len(y):
        return {"n": 0}
    bins = np.minimum((p * 5).astype(int), 4)
    ece = sum(abs(p[bins == k].mean() - y[bins == k].mean()) * (bins == k).mean() for k in range(5)
              if (bins == k).any())  # fmt: skip
    return {"n": int(len(y)), "right": round(float(y.mean()), 3),
            "mean_confidence": round(float(p.mean()), 3), "brier": round(float(np.mean((p - y) ** 2)), 4),
            "ece": round(float(ece), 4)}  # fmt: skip


def fit(rows: list[dict], claims: int) -> tuple[FigureConfidence, dict]:
    """One logistic model per verdict on the fit and tune guides' rows; the test guides' rows measure it
    against one constant (the fitting rows' share right)."""
    from sklearn.linear_model import LogisticRegression

    coef, intercept, basis, report = {}, {}, {}, {}
    for kind in KINDS:
        mine = [r for r in rows if (r["verdict"] == kind) or (kind == "supported" and r["verdict"] in
                                                                ("out_of_date", "disputed"))]  # fmt: skip
        train = [r for r in mine if r["split"] != "test"]
        test = [r for r in mine if r["split"] == "test"]
        X = np.array([[r[f] for f in FIGURE_FEATURES] for r in train])
        y = np.array([float(r["right"]) for r in train])
        if len(train) < 20 or len(set(y)) < 2:
            rate = (y.sum() + 1) / (len(y) + 2)
            coef[kind], intercept[kind] = [0.0] * len(FIGURE_FEATURES), math.log(rate / (1 - rate))
        else:
            m = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
            coef[kind], intercept[kind] = [round(float(w), 5) for w in m.coef_[0]], float(m.intercept_[0])
        model = FigureConfidence(FIGURE_FEATURES, coef, intercept, {})
        Xt = np.array([[r[f] for f in FIGURE_FEATURES] for r in test]).reshape(-1, len(FIGURE_FEATURES))
        yt = np.array([float(r["right"]) for r in test])
        p = np.array([model.probability(kind, dict(zip(FIGURE_FEATURES, x, strict=True))) for x in Xt])
        constant = np.full(len(yt), (y.sum() + 1) / (len(y) + 2))
        report[kind] = {
            "fitted_on": len(train),
            "test": _report(p, yt),
            "test_constant": _report(constant, yt),
        }
        basis[kind] = (f"calibrated on {len(train):,} figure verdicts of policy claims generated from "
                       f"gov.uk guides (held-out guides: {report[kind]['test'].get('right', 0):.0%} right "
                       f"over {len(test)})")  # fmt: skip
    meta = {"data": "ConditionalQA's gov.uk guides (BSD 2-Clause), sentences stating figures, as written and "
            "with a figure changed", "claims": claims, "rows": len(rows), "report": report,
            "fitted": time.strftime("%Y-%m-%d")}  # fmt: skip
    return FigureConfidence(FIGURE_FEATURES, coef, intercept, basis, meta), report


def train(assistant, out: Path, per_guide: int = 2) -> dict:
    claims = generate(assistant.store, per_guide)
    _log(f"{len(claims)} claims from {len({c['doc_id'] for c in claims})} guides")
    rows = collect(assistant, claims)
    model, report = fit(rows, len(claims))
    model.save(out)
    return {"claims": len(claims), "figure_verdicts": len(rows), "report": report, "out": str(out)}
