"""`train-reader`: fine-tune the reader (a cross-encoder) from the bundled MiniLM weights, and ship it as
ONNX int8 under assistant/data/reader.

One model, two heads on the mean of its token states: relevance (does the sentence answer the question or
speak to the claim) and entailment (the sentence supports / contradicts / neither the claim). Pairs:

- ConditionalQA train, guides split by url (conditionalqa.guide_split): question alone and situation +
  question against their evidence sentences (relevant) and the guide's other sentences most like the
  question in words (not). Fit guides are fitted on, tune guides give the held-out figures, test guides are
  never read.
- SciFact train claims (never the 300 test claims), split by claim: the claim against its rationale
  sentences (relevant; supports or contradicts by its label) and the other sentences of its abstracts
  (not relevant; neither).
- Pairs made from sentences of those fitting sources by general edits: kept meaning (a trailing clause
  dropped, a figure made "about ...") → supports; reversed (a direction word swapped for its opposite from
  text.words.DIRECTION_OPPOSITES, a negation added or removed, a figure or a year changed) → contradicts;
  another subject (a name swapped for another name of the corpus) → neither. The held-out figures on
  generated pairs come from sentences of held-out guides and claims only.

Then the answer selector's reread stage (selection.Reread) is fitted with the new reader, for each shipped
selector, on the tune guides' questions asked as `ask` asks them over an index of the fit and tune guides.
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np

from assistant.config import SentenceVectorMode
from assistant.measuring import stage_log
from assistant.measuring.conditionalqa import MODES, guide_split, load_jsonl, question_text
from assistant.measuring.training import Mined, guide_sentences
from assistant.measuring.verdict_fit import load_abstracts, test_ids
from assistant.reader.edits import direction_flips, negation_toggles
from assistant.reader.pairs import LABELS, load_tokenizer
from assistant.text.chunking import sentence_spans
from assistant.text.words import STOP_WORDS

ROOT = Path(__file__).resolve().parents[2]
CQA = ROOT.parent / "shared" / "train" / "conditionalqa" / "train.jsonl"
SCIFACT = ROOT.parent / "shared" / "bench" / "scifact"
SEED = 13
REREAD_TOP = 8  # the selector's best candidates the reader rereads when it answers
SENTENCE_KINDS = get_args(SentenceVectorMode)  # a selector ships for each kind of sentence vectors
MINED_TOP = 12  # the selector's best candidates kept per question asked (the stage reads REREAD_TOP)
NEITHER, SUPPORTS, CONTRADICTS = (LABELS.index(k) for k in ("neither", "supports", "contradicts"))


_log = stage_log("train-reader")


@dataclass
class Pair:
    query: str
    sentence: str
    relevant: int  # 1, 0, or -1 (not labelled)
    entail: int  # LABELS index, or -1 (not labelled)
    source: str  # cqa | scifact | edit
    held: bool  # from a held-out guide or claim: figures only, never fitted


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS}


def cqa_pairs(rows: list[dict], rng: random.Random, negatives: int = 3) -> list[Pair]:
    """Question (both modes) against its evidence and the guide's closest other sentences."""
    pools = guide_sentences([r for r in rows if guide_split(r["url"]) != "test"])
    out = []
    for row in rows:
        split = guide_split(row["url"])
        if split == "test":
            continue
        evidence = {" ".join(e.split()) for e in row.get("evidences", [])}
        others = [s for s in pools.get(row["url"], []) if s not in evidence]
        for mode in MODES:
            if mode != "question" and not row.get("scenario"):
                continue
            q = question_text(row, mode)
            words = _words(row["question"])
            close = sorted(others, key=lambda s: -len(words & _words(s)))
            chosen = close[:negatives] + rng.sample(close[negatives:], min(1, len(close[negatives:])))
            out += [Pair(q, s, 1, -1, "cqa", split == "tune") for s in sorted(evidence)]
            out += [Pair(q, s, 0, -1, "cqa", split == "tune") for s in chosen]
    return out


def scifact_pairs(data_dir: Path) -> tuple[list[Pair], list[tuple[str, bool]]]:
    """Train claims against the sentences of their cited abstracts; also the sentences (with held flags)
    that the edits start from."""
    held_out_tests = test_ids(data_dir)
    abstracts = load_abstracts(data_dir)
    out, premises = [], []
    for line in (data_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["_id"] in held_out_tests or not row["metadata"]:
            continue
        held = int(row["_id"]) % 10 == 0
        for doc, evs in row["metadata"].items():
            text = abstracts.get(doc)
            if not text:
                continue
            gold = {s for e in evs for s in e["sentences"]}
            label = SUPPORTS if any(e["label"] == "SUPPORT" for e in evs) else CONTRADICTS
            for i, (a, b) in enumerate(sentence_spans(text)):
                s = text[a:b]
                out.append(
                    Pair(row["text"], s, int(i in gold), label if i in gold else NEITHER, "scifact", held)
                )
                premises.append((s, held))
    return out, premises


_FIGURE = re.compile(r"(?<![\w.,])(?<!\d )(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.]| \d)")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_NAME = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+(?: [A-Z][a-z]+)*)")


def _flip_direction(s: str, rng: random.Random) -> str | None:
    flips = direction_flips(s)
    return rng.choice(flips) if flips else None


def _toggle_negation(s: str, rng: random.Random) -> str | None:
    toggles = negation_toggles(s)
    return rng.choice(toggles) if toggles else None


def _change_figure(s: str, rng: random.Random) -> str | None:
    years = list(_YEAR.finditer(s))
    figures = [m for m in _FIGURE.finditer(s) if not _YEAR.fullmatch(m.group())]
    if years and (not figures or rng.random() < 0.3):
        m = rng.choice(years)
        return s[: m.start()] + str(int(m.group()) + rng.choice([-3, -2, -1, 1, 2, 3])) + s[m.end() :]
    if not figures:
        return None
    m = rng.choice(figures)
    raw = m.group().replace(",", "")
    value = float(raw)
    factor = rng.choice([0.5, 0.7, 1.3, 1.5, 2.0, 3.0])
    new = value * factor if value else rng.choice([1, 2, 5])
    text = (
        f"{new:.{len(raw.split('.')[1])}f}"
        if "." in raw
        else f"{round(new):,}"
        if "," in m.group()
        else str(round(new))
    )
    if text == m.group():
        text = str(int(new) + 1)
    return s[: m.start()] + text + s[m.end() :]


_PARENTHESIS = re.compile(r"\s*\([^()]{1,80}\)")
_FILLERS = ("a total of ", "well-known ", "in total ", "also ", "currently ", "respectively", "some of the ")


def _keep_meaning(s: str, rng: random.Random) -> str:
    """One to three edits a careful reader would still call supported: a leading phrase, a trailing
    clause, a parenthesis or a filler dropped, a figure made "about ...", the clause that holds a figure
    kept alone."""
    out = s
    for _ in range(rng.choice([1, 1, 2, 3])):
        options = []
        lead = out.find(", ")
        if 0 < lead and len(out[:lead].split()) <= 5 and len(out[lead + 2 :].split()) >= 5:
            options.append(out[lead + 2 :][:1].upper() + out[lead + 3 :])
        cut = out.rfind(", ")
        if cut > 0 and len(out[:cut].split()) >= 6:
            options.append(out[:cut].rstrip() + ".")
        if _PARENTHESIS.search(out):
            options.append(_PARENTHESIS.sub("", out, count=1))
        options += [out.replace(f, "", 1) for f in _FILLERS if f in out]
        figures = list(_FIGURE.finditer(out))
        if figures:
            m = rng.choice(figures)
            options.append(
                out[: m.start()] + rng.choice(["about ", "around ", "nearly ", "some "]) + out[m.start() :]
            )
            parts = [p for p in re.split(r"(?<=[,;，；])\s*", out) if m.group() in p and len(p.split()) >= 4]
            if parts:
                options.append(parts[0].rstrip(",;，； ") + ".")
        if not options:
            break
        out = rng.choice(options)
    return out


def _other_subject(s: str, names: list[str], rng: random.Random) -> str | None:
    found = list(_NAME.finditer(s))
    if not found or not names:
        return None
    m = rng.choice(found)
    other = rng.choice(names)
    return None if other == m.group() else s[: m.start()] + other + s[m.end() :]


def edit_pairs(premises: list[tuple[str, bool]], rng: random.Random, per_kind: int) -> list[Pair]:
    """Pairs made from sentences by general edits (see the module docstring)."""
    premises = [
        (s, h)
        for s, h in dict.fromkeys(premises)
        if 6 <= len(s.split()) <= 60 or re.search(r"[\u4e00-\u9fff]", s)
    ]
    names = sorted({m.group() for s, h in premises if not h for m in _NAME.finditer(s)})
    made = {"supports": 0, "contradicts": 0, "neither": 0}
    out = []
    rng.shuffle(premises)
    for s, held in premises:
        if min(made.values()) >= per_kind:
            break
        # The supported claim and its reversed or re-subjected twins share the same surface edits, so
        # what tells them apart is the direction, the negation, the figure or the name, not the edit.
        kept = _keep_meaning(s, rng)
        turned = [t for t in (_flip_direction(kept, rng), _flip_direction(kept, rng)) if t and t != kept]
        turned += [t for t in (_toggle_negation(kept, rng), _change_figure(kept, rng)) if t and t != kept]
        if turned and made["contradicts"] < per_kind:
            made["contradicts"] += 1
            out.append(Pair(rng.choice(turned), s, 1, CONTRADICTS, "edit", held))
        other = _other_subject(kept, names, rng)
        if other and other != kept and made["neither"] < per_kind:
            made["neither"] += 1
            out.append(Pair(other, s, -1, NEITHER, "edit", held))
        if made["supports"] < per_kind and (turned or other or rng.random() < 0.3):
            made["supports"] += 1
            out.append(Pair(kept, s, 1, SUPPORTS, "edit", held))
    return out


def cmrc_premises(path: Path) -> list[tuple[str, bool]]:
    """Chinese sentences (CMRC 2018 trial paragraphs) with a figure or a direction word; held out by
    paragraph."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for art in data["data"]:
        for para in art["paragraphs"]:
            held = sum(map(ord, para["id"])) % 10 == 0
            for s in re.split(r"(?<=[。！？])", para["context"]):
                if 12 <= len(s) <= 120 and re.search(r"\d|增|减|提高|降低|上升|下降", s):
                    out.append((s.strip(), held))
    return out


def mined_questions(work: Path, cqa: Path = CQA, sentences: str | None = None,
                    splits: tuple[str, ...] = ("tune",)) -> tuple[list[Mined], Path]:  # fmt: skip
    """The questions of `splits`' guides with the shipped selector's top candidates, over an index of the fit
    and tune guides (test guides are never read) whose sentence vectors are made `sentences` (the default
    kind when None); cached in `work` while index, selector and data are the same. Also the selector file
    that ranked them."""
    from assistant.measuring.training import guide_index, load_cached, mine, save_cached
    from assistant.reasoning.selection import model_path, selector_key

    rows = [r for r in load_jsonl(cqa) if guide_split(r["url"]) != "test"]
    a = guide_index(rows, work, sentences)
    selector = model_path(a.store.sentence_mode())
    key = (a.store.fingerprint(), selector_key(selector), cqa.stat().st_mtime, MINED_TOP, splits)
    mined = load_cached(work / "mined.pkl", key)
    if mined is None:
        _log(f"asking every {' and '.join(splits)} question, both modes, for the selector's best candidates")
        mined = mine(a, [r for r in rows if guide_split(r["url"]) in splits], MINED_TOP)
        save_cached(work / "mined.pkl", key, mined)
    return mined, selector


def build_pairs(cqa: Path = CQA, scifact: Path = SCIFACT, seed: int = SEED, edits_per_kind: int = 3000,
                ) -> list[Pair]:  # fmt: skip
    rng = random.Random(seed)
    rows = load_jsonl(cqa)
    pairs = cqa_pairs(rows, rng)
    sf, premises = scifact_pairs(scifact)
    pairs += sf
    pools = guide_sentences([r for r in rows if guide_split(r["url"]) != "test"])
    premises += [(s, guide_split(u) == "tune") for u, ss in pools.items() for s in ss]
    cmrc = scifact.parents[1] / "train" / "cmrc2018" / "cmrc2018_trial.json"
    if cmrc.exists():
        premises += cmrc_premises(cmrc)
    pairs += edit_pairs(premises, rng, edits_per_kind)
    return pairs


def fit_reread(reader, mined: list[Mined], top: int = REREAD_TOP) -> dict:
    """The selector's second stage (selection.Reread) fitted on the tune guides' questions, which the reader
    was never fitted on: the weight of the reader's relevance that chooses an evidence most often, the
    calibration of the chosen one (logistic over score and margin; unanswerable questions are negatives),
    and the thresholds by the selector's rule (training.pick_thresholds). Returns the stage and its
    figures on those questions, before and after."""
    from sklearn.linear_model import LogisticRegression

    from assistant.measuring.training import _chosen, pick_thresholds
    from assistant.reasoning.selection import Reread

    tune = [m for m in mined if m.split == "tune" and m.texts]
    queries = [m.query for m in tune for _ in m.texts[:top]]
    texts = [t for m in tune for t in m.texts[:top]]
    _log(f"reading {len(texts)} tune-guide candidates to fit the selector's reread stage")
    relevance = reader.read_pairs(queries, texts).relevance
    logits, at = [], 0
    for m in tune:
        n = len(m.texts[:top])
        logits.append((np.asarray(m.scores[:top]), relevance[at : at + n], np.asarray(m.labels[:top])))
        at += n

    def chosen(stage: Reread) -> list[tuple[float, float, bool]]:
        """(combined score, margin, is an evidence) of each question's pick."""
        return [_chosen(stage.scores(score, rel), labels) for score, rel, labels in logits]

    def stage_with(weight: float, calibration=(1.0, 0.0, 0.0), answer_at=1.0, closest_at=0.0) -> Reread:
        return Reread(top, weight, tuple(calibration), answer_at, closest_at)

    answerable = [m.answerable for m in tune]
    hit_rate = {}
    for w in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0):
        picks = chosen(stage_with(w))
        right = sum(g for (_s, _m, g), a in zip(picks, answerable, strict=True) if a)
        hit_rate[w] = right / max(1, sum(answerable))
    weight = max(hit_rate, key=lambda w: (round(hit_rate[w], 4), -w))
    picks = chosen(stage_with(weight))
    X = np.array([[s, m] for s, m, _g in picks])
    y = np.array([g and a for (_s, _m, g), a in zip(picks, answerable, strict=True)])
    cal = LogisticRegression(C=10.0, max_iter=1000).fit(X, y)
    calibration = (float(cal.coef_[0][0]), float(cal.coef_[0][1]), float(cal.intercept_[0]))
    conf = [stage_with(weight, calibration).confidence(s, m) for s, m, _g in picks]
    answer_at, closest_at = pick_thresholds(
        [(c, g) for c, (_s, _m, g), a in zip(conf, picks, answerable, strict=True) if a]
    )
    return {
        "stage": {"top": top, "weight": weight, "calibration": [round(v, 5) for v in calibration],
                  "answer_at": answer_at, "closest_at": closest_at},
        "tune_questions": len(tune),
        "evidence_chosen_by_weight": {str(w): round(v, 3) for w, v in hit_rate.items()},
    }  # fmt: skip


def cross_encoder(base: Path):
    """MiniLM with one linear layer over the mean of its token states: [relevance, neither, supports,
    contradicts] logits (a torch module; torch is imported here, at fit time only)."""
    import torch
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(base), local_files_only=True)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1 + len(LABELS))

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state  # fmt: skip
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return self.head(self.drop((h * m).sum(1) / m.sum(1).clamp(min=1)))

    return CrossEncoder()


def _batches(pairs: list[Pair], size: int, rng: random.Random):
    """Batches of pairs of similar length (less padding), in random order."""
    lengths = [len(p.query) + len(p.sentence) for p in pairs]
    order = sorted(range(len(pairs)), key=lambda i: lengths[i] + rng.random() * 40)
    chunks = [order[k : k + size] for k in range(0, len(order), size)]
    rng.shuffle(chunks)
    return chunks


def _loss(logits, rel, ent):
    import torch

    loss = logits.new_zeros(())
    has_rel = rel >= 0
    if has_rel.any():
        loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
            logits[has_rel, 0], rel[has_rel].float()
        )
    has_ent = ent >= 0
    if has_ent.any():
        loss = loss + torch.nn.functional.cross_entropy(logits[has_ent, 1:], ent[has_ent])
    return loss


def _tensors(tokenizer, pairs: list[Pair]):
    import torch

    from assistant.reader.pairs import encode_pairs

    ids, mask, types = encode_pairs(tokenizer, [p.query for p in pairs], [p.sentence for p in pairs])
    return torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types)


def predict(model, tokenizer, pairs: list[Pair], batch: int = 64) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.inference_mode():
        for k in range(0, len(pairs), batch):
            out.append(model(*_tensors(tokenizer, pairs[k : k + batch])).numpy())
    model.train()
    return np.vstack(out) if out else np.zeros((0, 1 + len(LABELS)))


def figures(logits: np.ndarray, pairs: list[Pair]) -> dict:
    """Held-out figures per source: relevance AUC and accuracy, entailment accuracy and per-label
    precision/recall."""
    from sklearn.metrics import roc_auc_score

    out = {}
    for source in sorted({p.source for p in pairs}):
        idx = [i for i, p in enumerate(pairs) if p.source == source]
        row: dict = {"pairs": len(idx)}
        rel = [(logits[i, 0], pairs[i].relevant) for i in idx if pairs[i].relevant >= 0]
        if rel and len({r for _, r in rel}) == 2:
            s, y = map(np.asarray, zip(*rel, strict=True))
            row["relevance_auc"] = round(float(roc_auc_score(y, s)), 3)
        ent = [(int(np.argmax(logits[i, 1:])), pairs[i].entail) for i in idx if pairs[i].entail >= 0]
        if ent:
            guess, gold = map(np.asarray, zip(*ent, strict=True))
            row["entail_accuracy"] = round(float((guess == gold).mean()), 3)
            for k, name in enumerate(LABELS):
                said = guess == k
                row[f"{name}_precision"] = round(float((gold[said] == k).mean()), 3) if said.any() else None
                row[f"{name}_recall"] = (
                    round(float((guess[gold == k] == k).mean()), 3) if (gold == k).any() else None
                )
        out[source] = row
    return out


def thresholds(logits: np.ndarray, pairs: list[Pair], least: int = 3) -> dict[str, float]:
    """On held-out entailment pairs, the lowest P(contradicts) at which a contradiction is right 9 times in
    10 ("contradicts": the checker says contradicted) and 3 times in 4 ("doubt": it withdraws a support).
    Precision is the mean over sources (real SciFact pairs, edits), each counted once it has `least`
    pairs said at that point, so the many easy edits cannot carry the real pairs."""
    idx = [i for i, p in enumerate(pairs) if p.entail >= 0]
    z = logits[idx, 1:]
    prob = np.exp(z - z.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    p_con = prob[:, CONTRADICTS]
    right = np.asarray([pairs[i].entail == CONTRADICTS for i in idx])
    source = np.asarray([pairs[i].source for i in idx])
    out = {}
    for name, target in (("contradicts", 0.9), ("doubt", 0.75)):
        out[name] = 0.99
        for t in np.round(np.arange(0.5, 0.99, 0.01), 2):
            said = p_con >= t
            shares = [
                right[said & (source == s)].mean()
                for s in set(source)
                if (said & (source == s)).sum() >= least
            ]
            if shares and np.mean(shares) >= target:
                out[name] = float(t)
                break
    return out


def export(model, tokenizer_path: Path, out_dir: Path, meta: dict) -> Path:
    """ONNX int8 (dynamic quantisation) with its tokenizer and a meta file, written beside each other."""
    import shutil
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    fp32 = out_dir / "reader-fp32.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, example, str(fp32), input_names=names, output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}},
            opset_version=17, dynamo=False,
        )  # fmt: skip
    target = out_dir / "reader.onnx"
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    shutil.copyfile(tokenizer_path, out_dir / "tokenizer.json")
    (out_dir / "reader.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return target


def train(out: Path, work: Path, epochs: int = 1, batch: int = 16, lr: float = 5e-5, cqa_max: int = 8_000,
          repeat: int = 2, edits_per_kind: int = 4000, threads: int | None = None) -> dict:  # fmt: skip
    """Fit, report held-out figures (torch, then the exported int8 file), write out/. The ConditionalQA
    relevance pairs are many: at most `cqa_max` of them are fitted, and SciFact's few real entailment pairs
    `repeat` times each, so one epoch of about 27k pairs (about 35 minutes on 2 cores) reads all three.
    Then the selector's reread stages (about 10 minutes: an index of the fit and tune guides per kind of
    sentence vectors, kept in `work`, and 9k tune-guide pairs read for each)."""
    import torch

    from assistant.index.embeddings import bundled_model_dir

    torch.manual_seed(SEED)
    if threads:
        torch.set_num_threads(threads)
    base = bundled_model_dir()
    tokenizer = load_tokenizer(base / "tokenizer.json")
    pairs = build_pairs(edits_per_kind=edits_per_kind)
    rng = random.Random(SEED)
    fit_cqa = [p for p in pairs if not p.held and p.source == "cqa"]
    fit = rng.sample(fit_cqa, min(cqa_max, len(fit_cqa))) + [
        p
        for p in pairs
        if not p.held and p.source != "cqa"
        for _ in range(repeat if p.source == "scifact" else 1)
    ]
    held_cqa = [p for p in pairs if p.held and p.source == "cqa"]
    held = [p for p in pairs if p.held and p.source != "cqa"] + rng.sample(held_cqa, min(1500, len(held_cqa)))
    counts = {s: sum(p.source == s for p in fit) for s in ("cqa", "scifact", "edit")}
    _log(f"{len(fit)} pairs to fit {counts}, {len(held)} held out")
    model = cross_encoder(base)
    model.train()
    steps = epochs * ((len(fit) + batch - 1) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    started, seen, step = time.time(), 0, 0
    for epoch in range(epochs):
        for chunk in _batches(fit, batch, rng):
            group = [fit[i] for i in chunk]
            rel = torch.tensor([p.relevant for p in group])
            ent = torch.tensor([p.entail for p in group])
            loss = _loss(model(*_tensors(tokenizer, group)), rel, ent)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            seen += len(group)
            step += 1
            if step % 100 == 0:
                rate = seen / (time.time() - started)
                _log(f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} {rate:.1f} pairs/s")
    fit_seconds = time.time() - started
    torch.save(model.state_dict(), work / "reader-state.pt")  # kept beside the mined data, not shipped
    t = time.time()
    logits = predict(model, tokenizer, held)
    predict_rate = len(held) / max(time.time() - t, 1e-9)
    report = {
        "data": "ConditionalQA train (fit guides), SciFact train claims, "
        "edits of their sentences and of CMRC 2018 trial paragraphs; held out: tune guides, SciFact train "
        "claims with id % 10 == 0",
        "pairs_fitted": len(fit), "pairs_by_source": counts, "pairs_held_out": len(held),
        "epochs": epochs, "cqa_max": cqa_max, "repeat": repeat, "batch": batch, "lr": lr, "seed": SEED,
        "fit_seconds": round(fit_seconds), "fit_pairs_per_s": round(seen / fit_seconds, 1),
        "torch_predict_pairs_per_s": round(predict_rate, 1),
        "held_out_torch": figures(logits, held),
    }  # fmt: skip
    target = export(model, base / "tokenizer.json", out, report)
    from assistant.reader.model import OnnxReader
    from assistant.reasoning.selection import selector_key

    reader = OnnxReader(out)
    t = time.time()
    onnx_logits = reader.logits([p.query for p in held], [p.sentence for p in held])
    report["onnx_int8_pairs_per_s"] = round(len(held) / max(time.time() - t, 1e-9), 1)
    report["held_out_onnx_int8"] = figures(onnx_logits, held)
    report["thresholds"] = thresholds(onnx_logits, held)
    report["size_mb"] = round(target.stat().st_size / 1e6, 1)
    report["reread"], report["reread_fit"] = {}, {}
    for kind in SENTENCE_KINDS:  # a stage for each shipped selector (by the index's kind of sentence vectors)
        tune, path = mined_questions(work / kind, sentences=kind, splits=("tune",))
        fitted = fit_reread(reader, tune)
        report["reread"][selector_key(path)] = fitted.pop("stage")
        report["reread_fit"][path.name] = fitted
    (out / "reader.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report
