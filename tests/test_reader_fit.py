"""The reader's fitting data: held-out guides and claims never fitted, test guides and claims never read,
and edits labelled by what they do (real ConditionalQA and SciFact files; one step of the real model)."""

from __future__ import annotations

import json
import random

import pytest

from assistant.measuring import reader_fit as f
from assistant.measuring.conditionalqa import guide_split, load_jsonl
from assistant.measuring.training import Mined
from assistant.measuring.verdict_fit import test_ids as scifact_test_ids
from assistant.reader.edits import direction_flips, negation_toggles

pytestmark = pytest.mark.skipif(
    not (f.CQA.is_file() and (f.SCIFACT / "queries.jsonl").is_file()),
    reason="../shared/train and ../shared/bench are not beside this checkout (CI has them)",
)


@pytest.fixture(scope="module")
def pairs():
    return f.build_pairs(edits_per_kind=300)


def test_no_test_guide_or_test_claim_is_read(pairs):
    splits: dict[str, set[str]] = {}
    for r in load_jsonl(f.CQA):
        splits.setdefault(" ".join(r["question"].split()), set()).add(guide_split(r["url"]))
    only = {q: s.pop() for q, s in splits.items() if len(s) == 1}  # a question asked of one split's guides
    cqa = [p for p in pairs if p.source == "cqa" and p.query in only]  # the question-alone pairs
    assert len(cqa) > 1000
    assert all(only[p.query] != "test" for p in cqa)
    assert all(p.held == (only[p.query] == "tune") for p in cqa)
    claims = {json.loads(x)["_id"]: json.loads(x)["text"] for x in (f.SCIFACT / "queries.jsonl").open()}
    test_claims = {claims[i] for i in scifact_test_ids(f.SCIFACT)}
    assert not any(p.query in test_claims for p in pairs if p.source == "scifact")


def test_mining_asks_no_test_guide_question(monkeypatch, tmp_path):
    from assistant.measuring import training

    asked = {}

    class Store:
        def fingerprint(self):
            return "same"

        def sentence_mode(self):
            return "encoded"

    def guide_index(rows, work, sentences=None):
        asked["indexed"] = {r["url"] for r in rows}
        return type("A", (), {"store": Store()})()

    def mine(assistant, rows, top):
        asked["mined"] = {r["url"] for r in rows}
        return [Mined("q", "tune", True, ["s"], [0.0], [True], ["s"])]

    monkeypatch.setattr(training, "guide_index", guide_index)
    monkeypatch.setattr(training, "mine", mine)
    first, selector = f.mined_questions(tmp_path)
    assert len(asked["indexed"]) > 300 and all(guide_split(u) != "test" for u in asked["indexed"])
    assert asked["mined"] and all(guide_split(u) == "tune" for u in asked["mined"])  # the stage's data
    asked.clear()
    again, _ = f.mined_questions(tmp_path)  # the same index, selector and data: read from the cache
    assert again[0].texts == first[0].texts and "mined" not in asked and selector.is_file()


def test_edits_are_labelled_by_what_they_do(pairs):
    edits = [p for p in pairs if p.source == "edit"]
    kinds = {k: [p for p in edits if p.entail == k] for k in (f.NEITHER, f.SUPPORTS, f.CONTRADICTS)}
    assert all(len(v) >= 100 for v in kinds.values()), {k: len(v) for k, v in kinds.items()}
    for p in kinds[f.CONTRADICTS][:200]:
        assert p.query != p.sentence and p.relevant == 1
    # A turned claim comes from the supported one: the edit that tells them apart is the turn.
    supported = {p.sentence: p.query for p in kinds[f.SUPPORTS]}
    turned = [p for p in kinds[f.CONTRADICTS] if p.sentence in supported]
    assert (
        turned
        and sum(
            p.query in direction_flips(supported[p.sentence]) + negation_toggles(supported[p.sentence])
            for p in turned
        )
        >= len(turned) // 3
    )


@pytest.mark.slow
def test_one_fit_step_lowers_the_loss(pairs):
    import torch

    from assistant.index.embeddings import bundled_model_dir
    from assistant.reader.pairs import load_tokenizer

    torch.manual_seed(0)
    base = bundled_model_dir()
    tokenizer = load_tokenizer(base / "tokenizer.json")
    model = f.cross_encoder(base)
    model.eval()  # no dropout: the same batch before and after one step
    batch = random.Random(0).sample([p for p in pairs if p.source == "edit"], 16)
    rel = torch.tensor([p.relevant for p in batch])
    ent = torch.tensor([p.entail for p in batch])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    before = f._loss(model(*f._tensors(tokenizer, batch)), rel, ent)
    before.backward()
    opt.step()
    with torch.no_grad():
        after = f._loss(model(*f._tensors(tokenizer, batch)), rel, ent)
    assert after.item() < before.item()
