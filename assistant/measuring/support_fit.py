"""`train-support`: fit the checker's support model (generation/checker.py) on SciFact training claims.

Each claim is a sentence someone wrote about an abstract; experts marked whether the abstract supports it.
Pairs: (claim, abstract that supports it) are positives; (claim, the abstract BM25 ranks highest among
those not marked as evidence for it) and (claim, a random abstract) are negatives: on topic or not, the
abstract does not state what the claim says. (Taking the evidence sentences out of the supporting abstract
would need SciFact's own sentence split, which the BEIR text does not keep.)
Pairs of a claim and an abstract that contradicts it are not fitted on: meaning similarity and
shared terms cannot tell "X rises" from "X falls" (the figure and name checks catch what they can), so the
share of them that would pass is reported as a known limit. Only claims outside the 300 test claims
(`qrels/test.tsv`) are used; they are split by a hash of the claim id, 70% to fit the weights and choose the
threshold (precision first), 30% held out for the report.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.generation.checker import SUPPORT_FEATURES, SupportModel, SupportScorer
from assistant.measuring import stage_log
from assistant.measuring.scifact import load_qrels

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "bench" / "scifact"
TARGET_PRECISION = 0.9  # of the sentences kept, at least 9 in 10 stated by their source (fit claims)


_log = stage_log("train-support")


def held_out(claim_id: str) -> bool:
    return int(hashlib.sha1(claim_id.encode()).hexdigest(), 16) % 10 < 3


def pairs(data_dir: Path, seed: int = 7) -> list[tuple[str, str, str, int]]:
    """(claim id, claim, passage, label) over the training claims: 1 supports, 0 does not state it, -1
    contradicts (reported, not fitted); see the module docstring."""
    test_ids = set(load_qrels(data_dir / "qrels" / "test.tsv"))
    corpus = {}
    with open(data_dir / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            corpus[rec["_id"]] = rec["text"]
    doc_ids = sorted(corpus)
    rng = random.Random(seed)
    nearest = _bm25_neighbours(corpus, doc_ids)
    out = []
    with open(data_dir / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            if q["_id"] in test_ids or not q.get("metadata"):
                continue
            for doc, evidence in q["metadata"].items():
                if doc not in corpus:
                    continue
                text = corpus[doc]
                labels = {e["label"] for e in evidence}
                if "SUPPORT" in labels:
                    out.append((q["_id"], q["text"], text, 1))
                else:
                    out.append((q["_id"], q["text"], text, -1))
            hard = next((d for d in nearest(q["text"]) if d not in q["metadata"]), None)
            if hard is not None:
                out.append((q["_id"], q["text"], corpus[hard], 0))
            other = rng.choice(doc_ids)
            if other not in q["metadata"] and other != hard:
                out.append((q["_id"], q["text"], corpus[other], 0))
    return out


def _bm25_neighbours(corpus: dict[str, str], doc_ids: list[str]):
    """claim -> abstract ids by BM25 score (our keyword tokenizer), best first (top 5)."""
    import logging

    import bm25s

    from assistant.index.keyword import Tokenizer

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    tokenize = Tokenizer()
    retriever = bm25s.BM25()
    retriever.index([tokenize(corpus[d]) or [""] for d in doc_ids], show_progress=False)

    def nearest(claim: str) -> list[str]:
        ids = retriever.get_tokens_ids(tokenize(claim))
        if not ids:
            return []
        scores = np.asarray(retriever.get_scores_from_ids(ids))
        return [doc_ids[i] for i in np.argsort(-scores)[:5]]

    return nearest


def _cached(embed):
    cache: dict[str, np.ndarray] = {}

    def run(texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            for t, v in zip(todo, embed(todo), strict=True):
                cache[t] = v
        return np.vstack([cache[t] for t in texts])

    return run


def _precision_recall(p: np.ndarray, y: np.ndarray, at: float) -> tuple[float, float, int]:
    kept = p >= at
    tp = int((kept & (y == 1)).sum())
    return (tp / kept.sum() if kept.sum() else 1.0), tp / max(1, int(y.sum())), int(kept.sum())


def features(rows, embed, cache: Path | None) -> np.ndarray:
    """The support features of every pair, kept in `cache` (keyed by the pairs) for refits."""
    key = hashlib.sha1(json.dumps([r[1:] for r in rows]).encode()).hexdigest()
    if cache is not None and cache.is_file():
        stored = np.load(cache)
        if str(stored["key"]) == key:
            return stored["X"]
    _log(f"{len(rows):,} pairs from {len({r[0] for r in rows}):,} training claims; scoring them")
    scorer = SupportScorer(_cached(embed))
    X = np.array([scorer.score(claim, {1: passage}).features for _, claim, passage, _ in rows])
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, X=X, key=key)
    return X


def train(data_dir: Path, out: Path, embed, work: Path | None = None) -> dict:
    """Features for every pair, logistic weights and a threshold on the fit claims, figures on both."""
    from sklearn.linear_model import LogisticRegression

    rows = pairs(data_dir)
    X = features(rows, embed, work / "support-features.npz" if work else None)
    labels = np.array([r[3] for r in rows])
    contra = labels == -1
    X_contra, X, y = X[contra], X[~contra], labels[~contra]
    test = np.array([held_out(r[0]) for r, c in zip(rows, contra, strict=True) if not c])
    model_lr = LogisticRegression(C=1.0, max_iter=1000).fit(X[~test], y[~test])
    p_fit = model_lr.predict_proba(X[~test])[:, 1]
    threshold = next(
        (
            float(t)
            for t in np.sort(np.unique(p_fit))
            if _precision_recall(p_fit, y[~test], t)[0] >= TARGET_PRECISION
        ),
        0.99,
    )
    p_test = model_lr.predict_proba(X[test])[:, 1]
    figures = {}
    for name, p, yy in (("fit", p_fit, y[~test]), ("held_out", p_test, y[test])):
        prec, rec, kept = _precision_recall(p, yy, threshold)
        figures[name] = {"pairs": int(len(yy)), "supported": int(yy.sum()), "kept": kept,
                         "precision": round(prec, 3), "recall": round(rec, 3)}  # fmt: skip
    figures["contradicting_pairs_passing"] = round(
        float((model_lr.predict_proba(X_contra)[:, 1] >= threshold).mean()) if len(X_contra) else 0.0, 3
    )
    model = SupportModel(
        features=list(SUPPORT_FEATURES),
        coef=[float(c) for c in model_lr.coef_[0]],
        intercept=float(model_lr.intercept_[0]),
        threshold=round(threshold, 4),
        meta={
            "data": "BEIR SciFact training claims (queries.jsonl minus qrels/test.tsv's 300), CC BY-NC 2.0",
            "split": "claim id hash: 70% fit weights and threshold, 30% held out",
            "target_precision": TARGET_PRECISION,
            "figures": figures,
            "fitted": time.strftime("%Y-%m-%d"),
        },
    )
    model.save(out)
    _log(f"saved {out}")
    return model.meta
