"""`train-verdicts`: fit the claim verdict model (reasoning/verdicts.py) on SciFact training claims, and read
SciFact's claim format for `eval`.

Every claim in `queries.jsonl` outside `qrels/test.tsv` (809) is searched as `check` searches it; each
sentence of its top passages is a pair, labelled by the experts' evidence sentences (SUPPORT, CONTRADICT, or
neither). Two boosted-tree models score pairs; out-of-fold scores (5 folds grouped by claim) give the
claim-level calibration and the thresholds, chosen for precision first. The 300 test claims are never read
here. SciFact numbers sentences by its own split, which BEIR's joined abstract text does not keep; our
sentence splitter is used to number them, so a claim whose gold sentence it splits differently loses its
positive label (counted in the report).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.measuring import stage_log
from assistant.measuring.scifact import load_qrels, scifact_id
from assistant.text.chunking import sentence_spans

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "bench" / "scifact"
LABELS = {"SUPPORT": "supported", "CONTRADICT": "contradicted"}
TARGET_PRECISION = 0.9
FOLDS = 5


_log = stage_log("train-verdicts")


@dataclass
class GoldClaim:
    id: str
    text: str
    verdict: str  # supported | contradicted | not_found
    evidence: dict[str, set[int]]  # SciFact doc id -> sentence numbers
    split: str  # test | train


def is_scifact(rows: list[dict]) -> bool:
    return bool(rows) and all(k in rows[0] for k in ("_id", "text", "metadata"))


def load_claims(rows: list[dict], test_ids: set[str]) -> list[GoldClaim]:
    out = []
    for r in rows:
        labels = {e["label"] for ev in r["metadata"].values() for e in ev}
        verdict = "supported" if "SUPPORT" in labels else "contradicted" if labels else "not_found"
        evidence = {d: {s for e in ev for s in e["sentences"]} for d, ev in r["metadata"].items()}
        split = "test" if r["_id"] in test_ids else "train"
        out.append(GoldClaim(r["_id"], r["text"], verdict, evidence, split))
    return out


def test_ids(data_dir: Path) -> set[str]:
    return set(load_qrels(data_dir / "qrels" / "test.tsv"))


def load_abstracts(data_dir: Path) -> dict[str, str]:
    out = {}
    with open(data_dir / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            out[rec["_id"]] = rec["text"]
    return out


def is_gold(claim: GoldClaim, doc_id: str, quote: str, abstracts: dict[str, str]) -> bool:
    """Does the quoted sentence overlap one of the claim's evidence sentences (numbered by our splitter)?"""
    doc = scifact_id(doc_id)
    if doc not in claim.evidence or doc not in abstracts:
        return False
    text = abstracts[doc]
    at = text.find(quote.strip())
    if at < 0:
        return False
    end = at + len(quote.strip())
    spans = sentence_spans(text)
    return any(a < end and at < b for i, (a, b) in enumerate(spans) if i in claim.evidence[doc])


def collect(assistant, claims: list[GoldClaim], abstracts: dict[str, str]):
    """Pair features (X), labels (1 supports, -1 contradicts, 0 neither), claim index of every pair,
    whether the checker may take it as support / as contradiction (FactChecker._learned's conditions), and
    per claim the figure rules' verdict as `FactChecker.combine` lets it stand."""
    from assistant.reasoning.factcheck import claim_names

    featurizer = assistant.checker.featurizer
    X, y, group, usable, rules = [], [], [], [], []
    started = time.time()
    for n, c in enumerate(claims):
        hits = assistant.retriever.search(c.text, k=10)
        pairs = featurizer.pairs(c.text, hits, claim_names(c.text))
        sign = 1 if c.verdict == "supported" else -1
        rule = assistant.checker.by_figures(c.text, hits)
        rules.append(rule.verdict if assistant.checker.rule_stands(rule, pairs) else "not_found")
        for p in pairs:
            X.append(p.features)
            y.append(sign if c.verdict != "not_found" and is_gold(c, p.hit.doc_id, p.text, abstracts) else 0)
            group.append(n)
            usable.append((p.eligible and p.states_figures, p.eligible))  # may support, may contradict
        if (n + 1) % 100 == 0:
            _log(f"{n + 1}/{len(claims)} claims searched ({time.time() - started:.0f} s)")
    return (np.asarray(X, dtype=np.float64), np.asarray(y), np.asarray(group), np.asarray(usable, dtype=bool),
            np.asarray(rules))  # fmt: skip


def _gb():
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(n_estimators=150, max_leaf_nodes=8, learning_rate=0.05, subsample=0.7,
                                      min_samples_leaf=20, random_state=0)  # fmt: skip


def claim_scores(p_sup, p_con, y, group, usable, n_claims: int) -> np.ndarray:
    """Per claim, over the pairs the checker may use: best support probability and whether that sentence is
    gold support; the same for contradiction."""
    out = np.zeros((n_claims, 4))
    for g in range(n_claims):
        mine = group == g
        for col, p, ok, label in ((0, p_sup, usable[:, 0], 1), (2, p_con, usable[:, 1], -1)):
            idx = np.flatnonzero(mine & ok)
            if len(idx):
                best = idx[np.argmax(p[idx])]
                out[g, col : col + 2] = [p[best], y[best] == label]
    return out


def _threshold(conf: np.ndarray, right: np.ndarray, target: float) -> float:
    """The lowest confidence at which the verdicts at or above it are right at least `target` of the time
    (so recall is as high as that precision allows); 1.0 when no such point exists."""
    order = np.argsort(-conf)
    precision = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= target)
    return float(conf[order][ok[-1]]) if len(ok) else 1.0


def _fit_models(X: np.ndarray, y: np.ndarray, calibration: dict, thresholds: dict, rule_precision: dict):
    """Relevance trees on every pair (evidence either way vs. not), polarity on the evidence pairs only."""
    from sklearn.linear_model import LogisticRegression

    from assistant.measuring.training import boosting_baseline, export_trees
    from assistant.reasoning.verdicts import FEATURES, POLARITY_FEATURES, VerdictModel

    gb = _gb().fit(X, y != 0)
    evidence = y != 0
    cols = [FEATURES.index(f) for f in POLARITY_FEATURES]
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(X[evidence][:, cols], y[evidence] == -1)
    return VerdictModel(
        features=list(FEATURES),
        relevance={"intercept": boosting_baseline(gb), "trees": export_trees(gb)},
        polarity={"intercept": float(lr.intercept_[0]),
                  "coef": {f: float(c) for f, c in zip(POLARITY_FEATURES, lr.coef_[0], strict=True)}},
        calibration=calibration,
        thresholds=thresholds,
        rule_precision=rule_precision,
    )  # fmt: skip


def fit(X, y, group, usable, rules, verdicts: list[str], out: Path) -> dict:
    """Out-of-fold scores for calibration and thresholds, then both models on all fitting claims."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    oof_s, oof_c = np.zeros(len(y)), np.zeros(len(y))
    for tr, te in GroupKFold(FOLDS).split(X, y, group):
        model = _fit_models(X[tr], y[tr], {}, {}, {})
        oof_s[te], oof_c[te] = model.probabilities(X[te])
    scores = claim_scores(oof_s, oof_c, y, group, usable, len(verdicts))
    gold = np.asarray(verdicts)
    calibration, thresholds, figures = {}, {}, {}
    for verdict, col in (("supported", 0), ("contradicted", 2)):
        right = gold == verdict
        lr = LogisticRegression(C=10.0).fit(scores[:, [col]], right)
        calibration[verdict] = [float(lr.coef_[0][0]), float(lr.intercept_[0])]
        conf = lr.predict_proba(scores[:, [col]])[:, 1]
        thresholds[verdict] = round(_threshold(conf, right, TARGET_PRECISION), 4)
        given = conf >= thresholds[verdict]
        figures[verdict] = {
            "given": int(given.sum()),
            "precision": round(float(right[given].mean()), 3) if given.any() else None,
            "recall": round(float(right[given].sum() / max(1, right.sum())), 3),
            "gold_sentence": round(float(scores[given, col + 1].mean()), 3) if given.any() else None,
        }
    rule_precision = {}
    for verdict in ("supported", "contradicted"):
        given = rules == verdict
        right = int((gold[given] == verdict).sum())
        rule_precision[verdict] = round((right + 1) / (int(given.sum()) + 2), 3)  # Laplace: few are given
        figures[f"figure rules: {verdict}"] = {"given": int(given.sum()), "right": right}
    model = _fit_models(X, y, calibration, thresholds, rule_precision)
    model.meta = {
        "data": "BEIR SciFact training claims (queries.jsonl minus qrels/test.tsv's 300), CC BY-NC 2.0",
        "claims": len(verdicts),
        "pairs": int(len(y)),
        "positive_pairs": {"supports": int((y == 1).sum()), "contradicts": int((y == -1).sum())},
        "target_precision": TARGET_PRECISION,
        "out_of_fold": figures,
        "fitted": time.strftime("%Y-%m-%d"),
    }
    model.save(out)
    _log(f"saved {out}")
    return model.meta


def train(assistant, data_dir: Path, out: Path, work: Path | None = None) -> dict:
    from assistant.measuring.evaluation import load_jsonl

    claims = [c for c in load_claims(load_jsonl(data_dir / "queries.jsonl"), test_ids(data_dir))
              if c.split == "train"]  # fmt: skip
    cache = work / "verdict-pairs.npz" if work else None
    if cache is not None and cache.is_file():
        stored = np.load(cache)
        X, y, group, usable, rules = (stored[k] for k in ("X", "y", "group", "usable", "rules"))
    else:
        _log(f"{len(claims)} training claims; searching each and scoring its candidate sentences")
        X, y, group, usable, rules = collect(assistant, claims, load_abstracts(data_dir))
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, X=X, y=y, group=group, usable=usable, rules=rules)
    return fit(X, y, group, usable, rules, [c.verdict for c in claims], out)


def ensure_indexed(assistant, data_dir: Path, work: Path) -> None:
    """Index SciFact's abstracts (as Markdown files under `work`) unless the index already holds them."""
    from assistant.measuring.scifact import write_docs

    held = {scifact_id(d) for d in assistant.store.documents()}
    abstracts = load_abstracts(data_dir)
    if len(held & set(abstracts)) >= 0.99 * len(abstracts):
        return
    docs = work / "scifact-docs"
    _log(f"indexing SciFact's {len(abstracts):,} abstracts into {assistant.settings.index_dir} (once)")
    write_docs(data_dir, docs)
    assistant.ingest([docs], progress=True)


def evaluate(assistant, claims: list[GoldClaim], abstracts: dict[str, str]) -> dict:
    """`check` on each claim: confusion table, precision and recall per verdict, the share of supported and
    contradicted verdicts whose cited sentence is a gold evidence sentence, and warm latency."""
    from assistant.measuring.evaluation import latency_figures
    from assistant.reasoning.factcheck import VERDICTS

    assistant.search("warm up the model and the indexes", k=1)
    confusion = {want: dict.fromkeys(VERDICTS, 0) for want in VERDICTS}
    results, latencies = [], []
    for c in claims:
        started = time.perf_counter()
        v = assistant.check(c.text)
        latencies.append(time.perf_counter() - started)
        confusion[c.verdict][v.verdict] += 1
        gold = v.verdict != "not_found" and any(is_gold(c, x.doc_id, x.quote, abstracts) for x in v.citations)
        results.append({"id": c.id, "expected": c.verdict, "got": v.verdict, "confidence": v.confidence,
                        "decided_by": v.decided_by, "cited_gold_sentence": gold,
                        "claim": c.text})  # fmt: skip
    per_verdict = {}
    for verdict in VERDICTS:
        given = sum(confusion[w][verdict] for w in VERDICTS)
        wanted = sum(confusion[verdict].values())
        right = confusion[verdict][verdict]
        per_verdict[verdict] = {
            "given": given,
            "precision": round(right / given, 3) if given else None,
            "recall": round(right / wanted, 3) if wanted else None,
        }
    decided = [r for r in results if r["got"] != "not_found"]
    summary = {
        "claims": len(results),
        "accuracy": round(sum(r["expected"] == r["got"] for r in results) / max(1, len(results)), 3),
        "cited_gold_sentence": round(sum(r["cited_gold_sentence"] for r in decided) / len(decided), 3)
        if decided else None,
    } | latency_figures(latencies)  # fmt: skip
    return {"summary": summary, "per_verdict": per_verdict, "confusion": confusion, "results": results}


def format_report(report: dict) -> str:
    from assistant.measuring.evaluation import confusion_table

    lines = confusion_table(report["confusion"], "gold \\ verdict")
    lines += ["", "| verdict | given | precision | recall |", "|---|---|---|---|"]
    for v, f in report["per_verdict"].items():
        lines.append(f"| {v} | {f['given']} | {f['precision']} | {f['recall']} |")
    lines += ["", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in report["summary"].items()]
    return "\n".join(lines)
