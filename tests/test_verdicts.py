"""Reading polarity and direction, and the verdict model's file checks (no model or index needed)."""

from __future__ import annotations

import json

import pytest

from assistant.index.keyword import Tokenizer
from assistant.models import AssistantError
from assistant.reasoning.verdicts import FEATURES, MODEL_PATH, VerdictModel, polarity, read

STEM = Tokenizer().stem


def _conflicts(claim: str, sentence: str) -> int:
    a, b = read(claim, STEM), read(sentence, STEM)
    return sum(1 for t, v in a.signed.items() if b.signed.get(t) == -v)


def _agreements(claim: str, sentence: str) -> int:
    a, b = read(claim, STEM), read(sentence, STEM)
    return sum(1 for t, v in a.signed.items() if b.signed.get(t) == v)


def test_opposite_directions_conflict():
    claim = "Radioiodine treatment increases thyroid volume."
    assert _conflicts(claim, "After treatment the median thyroid volume was reduced from 73 ml to 29 ml.")
    assert _agreements(claim, "Thyroid volume rose in every treated patient.")
    assert not _conflicts(claim, "Thyroid volume rose in every treated patient.")


def test_negation_flips_direction():
    claim = "The programme increases exports."
    assert _conflicts(claim, "The programme did not increase exports in any year.")
    assert _conflicts(claim, "The programme doesn't raise exports.")
    assert not _agreements(claim, "The programme did not increase exports in any year.")


@pytest.mark.parametrize("claim, sentence, expected", [
    ("Attendance Allowance is means-tested.",
     "Attendance Allowance is not means-tested: what you earn or have saved does not change what you get.",
     "reversed"),  # the clause's one negation, not the sentence's two
    ("Attendance Allowance is not means-tested.", "Attendance Allowance is not means-tested: what you earn.",
     "same"),
    ("Eight firms cut their investment in the capital.",
     "Eight firms, including Eli Lilly, stepped up their investment in the capital.", "reversed"),
    ("Six logistics firms expanded their warehouse space.",
     "Six logistics firms scaled back their warehouse space in the zone.", "reversed"),
    ("Clubs cannot charge more than £31 a week.", "Clubs can charge no more than £31 a week.", "same"),
    ("Clubs can charge at most £31 a week.", "Clubs can't charge more than £31 a week.", "same"),  # a bound
    ("DdrB is an alternative SSB.", "DdrB is not only an SSB but also an alternative one.", "same"),
    ("Exports rose in 2024.", "The museum reopened in 2024.", "unclear"),  # not about the claim's thing
    ("Imports grew.", "Imports swelled.", "same"),  # both up (swell: a WordNet troponym of increase)
    ("Imports grew.", "Imports soared.", "unclear"),  # a direction on one side only: the lexicon lacks soar
    ("The allowance is paid to carers.", "The allowance is paid to carers who are not working.", "same"),
    ("CX3CR1 promotes airway inflammation.", "CX3CR1-blocking reagents prevented airway inflammation.",
     "unclear"),  # blocking what prevents: directions compose
])  # fmt: skip
def test_polarity_reads_the_clause_that_says_the_claims_thing(claim, sentence, expected):
    assert polarity(claim, sentence, STEM) == expected


def test_a_negation_on_other_words_does_not_reverse_the_claim():
    assert polarity(
        "The allowance is means-tested.", "The allowance is paid without a means test.", STEM
    ) != ("reversed")
    assert polarity(
        "Repairs are covered.", "Repairs are covered, except those that are not urgent.", STEM
    ) != ("reversed")


def test_negated_terms_and_count():
    r = read("Screening did not result in improvements in visual problems.", STEM)
    assert r.negations == 1
    assert STEM("result") in r.negated
    assert read("Screening resulted in fewer visual problems.", STEM).negations == 0


def test_model_file_matches_features():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    model = VerdictModel.load()
    assert model.features == FEATURES == data["features"]
    assert set(model.thresholds) == {"supported", "contradicted"}
    assert all(0 < t <= 1 for t in model.thresholds.values())


def test_model_fitted_on_other_features_is_refused(tmp_path):
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(AssistantError, match="lab train-verdicts"):
        VerdictModel.load(path)


@pytest.mark.slow
def test_eval_reads_scifact_claims(tmp_path):
    """`eval` on BEIR SciFact's claim format (queries with metadata, corpus, qrels/test.tsv): the corpus is
    indexed on first use, only the test split's claims are checked, and the cited sentence is compared with
    the gold evidence sentence. The data is a synthetic SciFact-format set under tests/data."""
    from helpers import DATA, run_cli

    claims = str(DATA / "tiny_scifact_claims" / "queries.jsonl")
    index = str(tmp_path / "index")
    out = run_cli("--index", index, "lab", "eval", claims, "--split", "test", "--json", timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    got = {r["id"]: r["got"] for r in report["results"]}
    assert got == {"1": "supported", "2": "contradicted", "3": "contradicted", "4": "not_found"}
    assert report["summary"]["cited_gold_sentence"] == 1.0
    assert report["per_verdict"]["contradicted"] == {"given": 2, "precision": 1.0, "recall": 1.0}
    assert all(0 <= r["confidence"] <= 1 for r in report["results"])
    text = run_cli("--index", index, "lab", "eval", claims, "--split", "test")
    assert "| gold \\ verdict | supported | contradicted | not_found |" in text.stdout
    assert "| contradicted | 2 | 1.0 | 1.0 |" in text.stdout
