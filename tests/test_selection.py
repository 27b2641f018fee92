"""The answer selector: situation splitting, answer types, list rules, the model file, training data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embeddings import CachedEmbedder
from assistant.index.keyword import KeywordIndex
from assistant.measuring.training import (
    _is_evidence,
    guide_document,
    guide_sentences,
    guide_split,
    squash,
    train,
)
from assistant.models import AssistantError, Document
from assistant.reasoning.answer import Answerer, _rule_span
from assistant.reasoning.selection import (
    FEATURES,
    MODEL_PATH,
    Reread,
    SelectorModel,
    answer_type,
    model_path,
    question_names,
    selector_key,
    split_situation,
)
from assistant.text.chunking import Chunker, sentence_spans, whitespace_counter

RULE = (
    "Synthetic test text. You can apply if:\n- you are 18 or over\n- you live in the zone\n"
    "- you have a licence\n\nOther text follows here."
)


def test_the_last_asking_sentence_is_the_question_and_the_rest_the_situation():
    q = split_situation("I look after my niece. She is 16 and at school. Can I change her surname? Thanks")
    assert q.question == "Can I change her surname?"
    assert q.situation == "I look after my niece. She is 16 and at school. Thanks"
    assert split_situation("How many firms were set up in 2024?").situation == ""
    one = split_situation("Tell me the licence fee")
    assert one.question == "Tell me the licence fee" and one.full == "Tell me the licence fee"


@pytest.mark.parametrize(
    "question, kind",
    [("How many permits were issued?", "number"), ("What percentage of firms grew?", "percent"),
     ("When does the scheme close?", "date"), ("Who signs the form?", "name"),
     ("Can my partner apply as well?", "yesno"), ("What documents are needed?", "other")],
)  # fmt: skip
def test_answer_types_come_from_the_question_opening(question, kind):
    assert answer_type(question) == kind


def test_question_names_skip_the_first_word_and_keep_figures():
    assert question_names("Does Harbor City allow 100% foreign ownership in 2024?") == [
        "Harbor", "City", "2024", "100"
    ]  # fmt: skip


def test_an_item_is_quoted_with_its_lead_in_and_siblings():
    spans = sentence_spans(RULE)
    item = next((a, b) for a, b in spans if RULE[a:b].startswith("- you live"))
    a, b = _rule_span(RULE, *item)
    rule = "You can apply if:\n- you are 18 or over\n- you live in the zone\n- you have a licence"
    assert RULE[a:b] == rule
    lead = next((a, b) for a, b in spans if RULE[a:b].endswith("if:"))
    assert _rule_span(RULE, *lead) == (a, b)
    plain = next((a, b) for a, b in spans if RULE[a:b].startswith("Other"))
    assert _rule_span(RULE, *plain) == plain


def test_the_chunker_does_not_cut_between_a_lead_in_and_its_items():
    text = "Synthetic test text here now. " * 3 + RULE
    doc = Document(doc_id="d", text=text)
    chunks = Chunker(whitespace_counter, max_tokens=24, overlap_sentences=0).split(doc)
    holding = [c.text for c in chunks if "You can apply if:" in c.text]
    assert holding and all("- you have a licence" in t for t in holding)


def test_query_vectors_are_embedded_once_each():
    calls = []

    class Counting:
        name, english_only, cross_lingual = "counting", False, False

        def embed(self, texts):
            calls.append(list(texts))
            return np.stack([np.full(4, float(ord(t[0])), dtype=np.float32) for t in texts])

        def count_tokens(self, texts):
            return [1 for _ in texts]

    cache = CachedEmbedder(Counting(), size=2)
    cache.embed(["a", "b"])
    out = cache.embed(["b", "c", "b"])
    assert calls == [["a", "b"], ["c"]] and out.shape == (3, 4) and out[0][0] == out[2][0] == ord("b")
    cache.embed(["a"])  # "a" was evicted (size 2): embedded again
    assert calls[-1] == ["a"]


@pytest.mark.parametrize("sentences", ["encoded", "pooled"])
def test_the_shipped_models_match_the_features_and_are_calibrated(sentences):
    model = SelectorModel.load(model_path(sentences))
    assert model.features == FEATURES and 0 < model.closest_at <= model.answer_at < 1
    assert model.meta["guides"]["test"] > 50
    assert model.meta.get("sentence_vectors", "encoded") == sentences
    low, high = model.confidence(-5.0, 0.0), model.confidence(5.0, 3.0)
    assert 0 <= low < model.closest_at <= model.answer_at < high <= 1


def test_the_answerer_reads_the_selector_fitted_on_its_index_sentence_vectors(fake_embedder, tmp_path):
    made = ["encoded"]
    answerer = Answerer(KeywordIndex(None, tmp_path), fake_embedder.embed, sentences=lambda: made[0])
    encoded = answerer.model
    made[0] = "pooled"  # an empty index whose first ingest pooled its sentences
    assert answerer.model.meta["sentence_vectors"] == "pooled" and encoded.trees != answerer.model.trees


def test_the_reread_stage_weighs_the_reader_against_the_selector():
    logits, relevance = np.array([2.0, 1.5, -1.0]), np.array([0.1, 0.95, 0.5])
    assert Reread(3, 0.0, (1.0, 0.5, 0.0), 0.6, 0.3).pick(logits, relevance)[0] == 0  # the selector alone
    k, confidence = Reread(3, 1.0, (1.0, 0.5, 0.0), 0.6, 0.3).pick(logits, relevance)
    assert k == 1 and 0.5 < confidence < 1  # 1.5 + logit(0.95) beats 2.0 + logit(0.1)
    sure = Reread(3, 1.0, (1.0, 0.5, 0.0), 0.6, 0.3)
    assert sure.confidence(3.0, 2.0) > sure.confidence(3.0, 0.1) > sure.confidence(-3.0, 0.1)
    with pytest.raises(AssistantError, match="thresholds"):
        Reread(3, 1.0, (1.0, 0.5, 0.0), 0.2, 0.3)


class _Stages:
    """A reader whose reread stages are fitted for one selector file (unit tests of the lookup)."""

    def __init__(self, key: str):
        self.key, self.asked = key, []

    def reread(self, selector):
        self.asked.append(selector)
        stage = {"top": 6, "weight": 0.8, "calibration": [1.0, 0.5, -0.2], "answer_at": 0.6}
        return {**stage, "closest_at": 0.3} if selector == self.key else None


def test_the_answerer_rereads_only_with_a_stage_fitted_for_its_selector(fake_embedder, tmp_path):
    keyword = KeywordIndex(None, tmp_path)
    fitted = _Stages(selector_key(model_path("encoded")))
    answerer = Answerer(keyword, fake_embedder.embed, sentences=lambda: "encoded", reader=fitted)
    stage = answerer.reread_stage()
    assert stage == Reread(6, 0.8, (1.0, 0.5, -0.2), 0.6, 0.3)
    answerer.reread_stage()
    assert len(fitted.asked) == 1  # looked up once per selector file
    other = Answerer(keyword, fake_embedder.embed, sentences=lambda: "encoded", reader=_Stages("another"))
    assert other.reread_stage() is None  # a selector refitted since the reader was: the selector alone
    by_hand = Answerer(keyword, fake_embedder.embed, model=SelectorModel.untrained(5), reader=fitted)
    assert by_hand.reread_stage() is None


def test_a_model_fitted_on_other_features_is_refused(tmp_path):
    data = json.loads(MODEL_PATH.read_text())
    data["features"] = data["features"][:-1]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(AssistantError, match="refit it"):
        SelectorModel.load(path)


def test_guide_documents_keep_lists_under_their_lead_in():
    rows = [{"url": "https://www.gov.uk/x", "evidences": ["You can apply if:", "you are 18 or over"]},
            {"url": "https://www.gov.uk/x", "evidences": ["You can apply if:", "you live in the UK",
                                                          "You must send form A."]}]  # fmt: skip
    pool = guide_sentences(rows)["https://www.gov.uk/x"]
    assert pool == ["You can apply if:", "you live in the UK", "You must send form A.", "you are 18 or over"]
    text = guide_document("https://www.gov.uk/x", ["You can apply if:", "you are 18 or over", "you live here",
                                                   "You must send form A."])  # fmt: skip
    assert "You can apply if:\n- you are 18 or over\n- you live here\n\nYou must send form A." in text


def test_labels_match_sentences_inside_evidences_and_splits_are_by_guide():
    ev = [squash("You can apply if you are 18. This is usually the closest relative.")]
    assert _is_evidence(squash("This is usually the closest relative."), ev)
    assert _is_evidence(squash("- you are 18 or over"), [squash("you are 18 or over")])
    assert not _is_evidence(squash("You must send form A."), ev)
    assert {guide_split(f"https://www.gov.uk/g{i}") for i in range(40)} == {"fit", "tune", "test"}


TRAIN = Path(__file__).resolve().parent.parent.parent / "shared" / "train" / "conditionalqa" / "train.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not TRAIN.is_file(), reason="../shared/train is not beside this checkout (CI has it)")
def test_train_answerer_refits_from_real_questions(tmp_path):
    """The refit end to end on the first 150 real questions: guides, index, candidates, trees, thresholds."""
    data = tmp_path / "data"
    data.mkdir()
    data.joinpath("train.jsonl").write_text("".join(TRAIN.read_text(encoding="utf-8").splitlines(True)[:150]))
    out = tmp_path / "answerer.json"
    meta = train(data, tmp_path / "work", out)
    model = SelectorModel.load(out)
    assert model.trees and 0 < model.closest_at <= model.answer_at < 1 and model.passages == 8
    assert meta["questions"] == 150 and meta["guides"]["fit"] >= 5
    held_out = meta["figures"]["test"]["situation + question"]
    assert held_out["answerable"] > 0 and 0 <= held_out["evidence_chosen"] <= 1
    assert (tmp_path / "work" / "guides").is_dir() and any((tmp_path / "work").glob("examples-8.pkl"))


def test_exported_trees_score_exactly_as_scikit_learn():
    """The exported node lists give the same logits as scikit-learn's own decision function, so the
    shipped model answers as the fitted one did (a scikit-learn release that changes its trees fails here)."""
    from sklearn.ensemble import GradientBoostingClassifier

    from assistant.measuring.training import boosting_baseline, export_trees

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, len(FEATURES)))
    y = (X[:, 0] + 0.5 * X[:, 3] - X[:, 7] * X[:, 1] + rng.normal(scale=0.5, size=2000)) > 0
    gb = GradientBoostingClassifier(n_estimators=30, max_leaf_nodes=15, subsample=0.5, random_state=0).fit(
        X, y
    )
    n = len(FEATURES)
    model = SelectorModel(list(FEATURES), [0.0] * n, [1.0] * n, [0.0] * n, boosting_baseline(gb),
                          [1.0, 0.0, 0.0], 0.5, 0.25, trees=export_trees(gb))  # fmt: skip
    assert np.allclose(model.logits(X[:200]), gb.decision_function(X[:200]), atol=1e-9)
