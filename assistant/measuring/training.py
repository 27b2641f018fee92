"""`train-answerer`: fit the answer selector on ConditionalQA's train split, split by guide.

The guides' pages are not shipped, so each guide becomes a document made of the evidence sentences of all
its questions, in the order the questions quote them (bullet items under their lead-in). A question's own
evidence sentences are its positives; the guide's other sentences are hard negatives. Guides are split by
a hash of their url: 60% fit the model, 20% tune the calibration thresholds, 20% are held out for the
report (never fitted on, never tuned on).
"""

from __future__ import annotations

import json
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.measuring import stage_log
from assistant.measuring.conditionalqa import MODES, Split, guide_split, load_jsonl, question_text, squash
from assistant.models import AssistantError
from assistant.reasoning.selection import FEATURES, FEATURES_VERSION, SelectorModel, model_path

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "train" / "conditionalqa"
SCORER = "trees"  # or "logistic"; trees chose the evidence more often on the tune guides (docs/answers.md)
TARGET_WRONGFUL = 0.10  # at most 1 wrongful abstention in 10 answerable questions (tune guides)
TARGET_PRECISION = 0.67  # unhedged answers: the first quote is a gold evidence in 2 of 3 (tune guides)


def load_cached(path: Path, key):
    """What an earlier run stored with `save_cached` under the same key (same index, data, features or
    selector); None when it differs or cannot be read."""
    try:
        with open(path, "rb") as f:
            stored_key, value = pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):  # stale classes
        return None
    return value if stored_key == key else None


def save_cached(path: Path, key, value) -> None:
    with open(path, "wb") as f:
        pickle.dump((key, value), f)


_log = stage_log("train")


def guide_sentences(rows: list[dict]) -> dict[str, list[str]]:
    """Per guide url, its evidence sentences merged in quoting order (each new one after its predecessor)."""
    pools: dict[str, list[str]] = {}
    for row in rows:
        pool = pools.setdefault(row["url"], [])
        previous = None
        for ev in row.get("evidences", []):
            ev = " ".join(ev.split())
            if not ev:
                continue
            if ev not in pool:
                at = pool.index(previous) + 1 if previous in pool else len(pool)
                pool.insert(at, ev)
            previous = ev
    return pools


def guide_document(url: str, sentences: list[str]) -> str:
    """Markdown for one guide: lead-ins ending in ':' followed by their items as '- ' bullets."""
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    title = slug.replace("-", " ").capitalize()
    lines = ["---", f"title: {json.dumps(title)}", "source: www.gov.uk", f"url: {url}", "---", "",
             "Built from ConditionalQA's evidence sentences for this gov.uk guide (training data, not the "
             "full page).", ""]  # fmt: skip
    in_list = False
    for s in sentences:
        item = in_list and (s[:1].islower() or not s.rstrip().endswith((".", "?", "!")))
        if item:
            lines.append(f"- {s}")
        else:
            if in_list:
                lines.append("")
            lines += [s, ""] if not s.endswith(":") else [s]
            in_list = s.endswith(":")
    return "\n".join(lines).rstrip() + "\n"


def write_guides(rows: list[dict], folder: Path) -> dict[str, str]:
    """Write one Markdown file per guide; returns url -> file name."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for url, sentences in guide_sentences(rows).items():
        name = url.rstrip("/").rsplit("/", 1)[-1][:80] + ".md"
        path = folder / name
        text = guide_document(url, sentences)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        names[url] = name
    return names


@dataclass
class Example:
    """The candidate rows of one question in one mode."""

    row: int
    guide: str
    mode: str
    split: Split
    answerable: bool
    features: np.ndarray
    labels: np.ndarray


def _embed_all(assistant, rows: list[dict]) -> None:
    """Every question text and stored sentence embedded once, in large batches, into the query cache."""
    from assistant.reasoning.selection import split_situation
    from assistant.text.chunking import sentence_spans

    texts = [c for r in rows for m in MODES for c in _query_texts(question_text(r, m), split_situation)]
    texts += [p[a:b] for _ids, passages, _m in assistant.store.iter_chunks() for p in passages
              for a, b in sentence_spans(p)]  # fmt: skip
    texts = list(dict.fromkeys(texts))
    _log(f"embedding {len(texts)} questions and sentences in batches")
    for k in range(0, len(texts), 1024):
        assistant.query_embedder.embed(texts[k : k + 1024])


def collect(assistant, rows: list[dict]) -> list[Example]:
    """Retrieve, build candidates and label them (sentence inside a gold evidence, or the reverse)."""
    _embed_all(assistant, rows)
    out = []
    started = time.perf_counter()
    for i, row in enumerate(rows):
        evidences = [squash(e) for e in row.get("evidences", []) if e.strip()]
        for mode in MODES:
            query, hits = assistant.retrieve(question_text(row, mode))
            cands = assistant.answerer.candidates(query, hits)
            labels = [_is_evidence(squash(c.text), evidences) for c in cands]
            feats = np.asarray([c.features for c in cands], dtype=np.float64).reshape(-1, len(FEATURES))
            answerable = not row.get("not_answerable")
            split = guide_split(row["url"])
            out.append(Example(i, row["url"], mode, split, answerable, feats, np.asarray(labels, dtype=bool)))
        if (i + 1) % 200 == 0:
            _log(f"{i + 1}/{len(rows)} questions ({time.perf_counter() - started:.0f}s)")
    return out


@dataclass
class Mined:
    """One question in one mode: the texts of the selector's top candidates, labelled evidence or not, and
    the gold evidence sentences (hard negatives and positives for the reader)."""

    query: str
    split: Split
    answerable: bool
    texts: list[str]  # best first
    scores: list[float]  # the selector's logits
    labels: list[bool]
    evidences: list[str]


def guide_index(rows: list[dict], work: Path, sentences: str | None = None):
    """An Assistant over `work/index`: one document per guide of `rows` (re-ingested only where changed),
    its sentence vectors made `sentences` (the settings' kind when None)."""
    from assistant.core import Assistant

    guides = work / "guides"
    write_guides(rows, guides)
    a = Assistant(index_dir=work / "index", **({"sentence_vectors": sentences} if sentences else {}))
    a.query_embedder.size = 10**6
    _log(f"ingesting {len({r['url'] for r in rows})} guide documents into {work / 'index'}")
    a.ingest([guides], prune=True)
    return a


def mine(assistant, rows: list[dict], top: int = 12) -> list[Mined]:
    """Each question (both modes) asked as `ask` asks it; the `top` candidates by the assistant's selector."""
    _embed_all(assistant, rows)
    out, started = [], time.perf_counter()
    for i, row in enumerate(rows):
        evidences = [squash(e) for e in row.get("evidences", []) if e.strip()]
        for mode in MODES:
            if mode != "question" and not row.get("scenario"):
                continue
            text = question_text(row, mode)
            query, hits = assistant.retrieve(text)
            cands = assistant.answerer.candidates(query, hits)
            feats = np.asarray([c.features for c in cands], dtype=np.float64).reshape(len(cands), -1)
            logits = assistant.answerer.model.logits(feats)
            order = np.argsort(-logits, kind="stable")[:top]
            texts = [squash(cands[k].text) for k in order]
            labels = [_is_evidence(t, evidences) for t in texts]
            out.append(Mined(text, guide_split(row["url"]), not row.get("not_answerable"), texts,
                             [float(logits[k]) for k in order], labels, evidences))  # fmt: skip
        if (i + 1) % 200 == 0:
            _log(f"{i + 1}/{len(rows)} questions ({time.perf_counter() - started:.0f}s)")
    return out


def _query_texts(text: str, split) -> list[str]:
    q = split(text)
    return [q.question] + ([q.situation, q.full] if q.situation else [])


def _is_evidence(sentence: str, evidences: list[str]) -> bool:
    if len(sentence) < 3:
        return False
    return any(sentence in e or (len(e) >= 20 and e in sentence) for e in evidences)


def fit(examples: list[Example]) -> SelectorModel:
    """Logistic model over fit-guide candidates, then calibration of the chosen candidate on out-of-fold
    scores (guides grouped), then thresholds on the tune guides."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    fit_ex = [e for e in examples if e.split == "fit" and len(e.labels)]
    X = np.vstack([e.features for e in fit_ex])
    y = np.concatenate([e.labels for e in fit_ex])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0

    def scorer(Xs, ys):
        if SCORER == "trees":
            from sklearn.ensemble import GradientBoostingClassifier

            gb = GradientBoostingClassifier(n_estimators=200, learning_rate=0.05, max_leaf_nodes=15,
                                            min_samples_leaf=40, subsample=0.5, random_state=0)  # fmt: skip
            return gb.fit(Xs, ys)
        return LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit((Xs - mean) / scale, ys)

    def decide(m, Xs):
        return m.decision_function(Xs if SCORER == "trees" else (Xs - mean) / scale)

    # Out-of-fold logits for the calibration: each question scored by a model that never saw its guide.
    oof: dict[int, tuple[float, float, bool]] = {}
    guides = np.array([e.guide for e in fit_ex])
    for train_idx, test_idx in GroupKFold(n_splits=5).split(fit_ex, groups=guides):
        m = scorer(np.vstack([fit_ex[k].features for k in train_idx]),
               np.concatenate([fit_ex[k].labels for k in train_idx]))  # fmt: skip
        for k in test_idx:
            e = fit_ex[k]
            logits = decide(m, e.features)
            oof[k] = _chosen(logits, e.labels)
    final = scorer(X, y)
    cal_X = np.array([[v[0], v[1]] for v in oof.values()])
    cal_y = np.array([v[2] for v in oof.values()])
    # Questions the guide cannot answer are negatives for the calibration too.
    cal = LogisticRegression(C=10.0, max_iter=1000).fit(cal_X, cal_y)
    model = SelectorModel(
        features=list(FEATURES),
        mean=mean.tolist(),
        scale=scale.tolist(),
        coef=final.coef_[0].tolist() if SCORER != "trees" else [0.0] * len(FEATURES),
        intercept=float(final.intercept_[0]) if SCORER != "trees" else boosting_baseline(final),
        trees=export_trees(final) if SCORER == "trees" else [],
        calibration=[float(cal.coef_[0][0]), float(cal.coef_[0][1]), float(cal.intercept_[0])],
        answer_at=0.5,
        closest_at=0.0,
    )
    tune = [e for e in examples if e.split == "tune"]
    model.answer_at, model.closest_at = choose_thresholds(model, tune)
    return model


def export_trees(gb) -> list[dict]:
    """The boosted trees as plain lists (leaves: left = right = -1), read back by SelectorModel.logits.

    Only scikit-learn's public fitted attributes are read (`estimators_`, each tree's `tree_`); leaf values
    carry the learning rate, so the model's logit is the baseline plus the sum of the leaves reached."""
    out = []
    for (reg,) in gb.estimators_:
        t = reg.tree_
        leaf = t.children_left < 0
        out.append({
            "feature": np.where(leaf, -1, t.feature).astype(np.int64).tolist(),
            "threshold": np.where(leaf, 0.0, t.threshold).astype(float).tolist(),
            "left": np.where(leaf, -1, t.children_left).astype(np.int64).tolist(),
            "right": np.where(leaf, -1, t.children_right).astype(np.int64).tolist(),
            "value": np.where(leaf, t.value[:, 0, 0] * gb.learning_rate, 0.0).astype(float).tolist(),
        })  # fmt: skip
    return out


def boosting_baseline(gb) -> float:
    """The boosting's starting score: the log-odds of the positive class in the fitted data (the prior
    scikit-learn's binomial deviance starts from)."""
    p = float(gb.init_.class_prior_[1])
    return float(np.log(p / (1.0 - p)))


def _chosen(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float, bool]:
    """(logit, margin over the runner-up, is it an evidence) for the top-scored candidate."""
    if not len(logits):
        return -10.0, 0.0, False
    order = np.argsort(-logits)
    margin = float(logits[order[0]] - logits[order[1]]) if len(order) > 1 else 5.0
    return float(logits[order[0]]), margin, bool(labels[order[0]])


def confidences(model: SelectorModel, examples: list[Example]) -> list[tuple[float, bool]]:
    """(confidence, chosen sentence is an evidence) per example; all candidates scored in one batch."""
    rows = [e.features for e in examples if len(e.labels)]
    logits = model.logits(np.vstack(rows)) if rows else np.zeros(0)
    out, at = [], 0
    for e in examples:
        n = len(e.labels)
        logit, margin, good = _chosen(logits[at : at + n], e.labels)
        at += n
        out.append((model.confidence(logit, margin) if n else 0.0, good))
    return out


def choose_thresholds(model: SelectorModel, tune: list[Example]) -> tuple[float, float]:
    """Abstain below the confidence that wrongly abstains on TARGET_WRONGFUL of the answerable tune
    questions (as high as that target allows, so as many unanswerable ones as possible abstain); answer
    without a hedge from the lowest confidence at which the chosen sentence is an evidence in at least
    TARGET_PRECISION of the answerable tune questions above it."""
    conf = confidences(model, tune)
    return pick_thresholds([(c, g) for (c, g), e in zip(conf, tune, strict=True) if e.answerable])


def pick_thresholds(answerable: list[tuple[float, bool]]) -> tuple[float, float]:
    """(answer_at, closest_at) from (confidence, chosen is an evidence) of answerable questions, by the rule
    choose_thresholds states."""
    pairs = sorted(answerable)
    if not pairs:
        return 0.5, 0.25
    closest_at = float(np.quantile([c for c, _ in pairs], TARGET_WRONGFUL))
    answer_at = 1.0
    for k, (c, _) in enumerate(pairs):
        above = pairs[k:]
        if c >= closest_at and sum(g for _, g in above) / len(above) >= TARGET_PRECISION:
            answer_at = c
            break
    return round(answer_at, 4), round(min(closest_at, answer_at), 4)


def report(model: SelectorModel, examples: list[Example], split: Split) -> dict:
    """Per mode: evidence chosen, wrongful and right abstentions (candidate level, before composing)."""
    out = {}
    for mode in MODES:
        chosen = [e for e in examples if e.split == split and e.mode == mode]
        conf = confidences(model, chosen)
        ans = [(c, g) for (c, g), e in zip(conf, chosen, strict=True) if e.answerable]
        non = [c for (c, _), e in zip(conf, chosen, strict=True) if not e.answerable]
        out[mode] = {
            "answerable": len(ans),
            "not_answerable": len(non),
            "evidence_chosen": round(sum(g and c >= model.closest_at for c, g in ans) / max(1, len(ans)), 3),
            "evidence_chosen_when_unhedged": round(
                sum(g for c, g in ans if c >= model.answer_at)
                / max(1, sum(c >= model.answer_at for c, _ in ans)),
                3,
            ),
            "wrongful_abstentions": round(sum(c < model.closest_at for c, _ in ans) / max(1, len(ans)), 3),
            "answered_not_hedged": round(sum(c >= model.answer_at for c, _ in ans) / max(1, len(ans)), 3),
            "right_abstentions": round(sum(c < model.closest_at for c in non) / max(1, len(non)), 3),
        }
    return out


def train(data_dir: Path, work: Path, out: Path | None, passages: int = 8) -> dict:
    """The whole refit: guides -> index -> candidates -> model file (by default, the selector of the index's
    kind of sentence vectors); returns the figures."""
    path = data_dir / "train.jsonl"
    if not path.is_file():
        raise AssistantError(f"no ConditionalQA train.jsonl in {data_dir} (see shared/train/README)")
    rows = load_jsonl(path)
    a = guide_index(rows, work)
    a.answerer.model = SelectorModel.untrained(passages)
    cache = work / f"examples-{passages}.pkl"
    key = (FEATURES_VERSION, FEATURES, passages, a.store.fingerprint(), path.stat().st_mtime)
    examples = load_cached(cache, key)
    if examples is None:
        _log("collecting candidates for every question, both modes")
        examples = collect(a, rows)
        save_cached(cache, key, examples)
    model = fit(examples)
    model.passages = passages
    figures = {split: report(model, examples, split) for split in ("fit", "tune", "test")}
    counts = {s: len({r["url"] for r in rows if guide_split(r["url"]) == s}) for s in ("fit", "tune", "test")}
    model.meta = {
        "data": "ConditionalQA v1.0 train split (../shared/train/conditionalqa/train.jsonl)",
        "guides": counts,
        "questions": len(rows),
        "candidates_fitted": int(sum(len(e.labels) for e in examples if e.split == "fit")),
        "sentence_vectors": a.store.sentence_mode(),
        "figures": figures,
        "fitted": time.strftime("%Y-%m-%d"),
    }
    out = out or model_path(a.store.sentence_mode())
    model.save(out)
    _log(f"saved {out}")
    return model.meta
