"""Fact-checking claims over the shipped corpus plus the synthetic eval documents (real model and Chroma)."""

from __future__ import annotations

import json

import pytest
from helpers import CORPUS, DATA, EVAL_EXTRA, run_cli

from assistant import Assistant
from assistant.measuring.evaluation import evaluate_claims, load_jsonl

CLAIMS = EVAL_EXTRA.parent / "claims.jsonl"
needs_eval = pytest.mark.skipif(
    not CLAIMS.is_file(), reason="../shared/eval is not beside this checkout (CI has it)"
)
pytestmark = [pytest.mark.slow, needs_eval]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, real_embedder):
    path = tmp_path_factory.mktemp("claims-index")
    Assistant(index_dir=path, embedder=real_embedder).ingest([CORPUS, EVAL_EXTRA])
    return path


@pytest.fixture
def assistant(index_dir, real_embedder):
    return Assistant(index_dir=index_dir, embedder=real_embedder)


def test_eval_claims_all_right(assistant):
    report = evaluate_claims(assistant, load_jsonl(CLAIMS))
    assert report["summary"]["correct"] == 8, report["results"]
    assert all(r["evidence_cited"] in (True, None) for r in report["results"])


def test_look_alike_claims(assistant):
    """Claims written for this test: other places' figures, other years, qualifiers, dates, number words."""
    report = evaluate_claims(assistant, load_jsonl(DATA / "lookalike_claims.jsonl"))
    wrong = [r for r in report["results"] if not r["correct"]]
    assert len(wrong) <= 1, wrong


def test_explanation_names_both_figures_and_the_source(assistant):
    v = assistant.check("Beijing set up 2,500 foreign-funded enterprises in 2024.")
    assert v.verdict == "contradicted"
    assert (
        "2,012" in v.explanation and "2,500" in v.explanation and "Over 140 Groundbreaking" in v.explanation
    )
    assert "2025-03-01" in v.explanation
    assert "2,012" in v.citations[0].quote and v.citations[0].quote in v.citations[0].passage


def test_several_figures_say_which_part_is_wrong(assistant):
    v = assistant.check("152 projects under the 2.0 plan were completed, an implementation rate above 95%.")
    assert v.verdict == "contradicted"
    assert "above 95%" in v.explanation and "exceeding 86%" in v.explanation
    assert {p.figure: p.status for p in v.parts}["152"] == "supported"


def test_other_place_is_not_evidence(assistant):
    harbor = assistant.check("Harbor City established 3,480 foreign-funded enterprises in 2024.")
    assert harbor.verdict == "supported" and "harbor_city" in harbor.citations[0].doc_id
    assert not harbor.citations[0].subject  # the sentence says whose
    elsewhere = assistant.check("Shenzhen established 3,480 foreign-funded enterprises in 2024.")
    assert elsewhere.verdict == "not_found" and not elsewhere.citations and elsewhere.related


def test_cli_check_json(index_dir):
    claim = "Beijing saw 2,012 new foreign-funded enterprises in 2024."
    out = run_cli("--index", str(index_dir), "check", claim, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["verdict"] == "supported" and data["citations"][0]["title"].startswith("Over 140")
    assert data["decided_by"] == "figures" and 0 < data["confidence"] < 1
    text = run_cli("--index", str(index_dir), "check", claim)
    assert text.stdout.startswith("SUPPORTED (confidence 0.") and "by the figures" in text.stdout


def test_cli_eval_claims_table(index_dir):
    out = run_cli("--index", str(index_dir), "lab", "eval", str(CLAIMS))
    assert out.returncode == 0, out.stderr
    assert "| expected \\ got | supported | contradicted | not_found |" in out.stdout
    assert "| accuracy | 1.0 |" in out.stdout


def test_claim_without_figures_is_read_by_the_model(assistant):
    """No figure to compare: the verdict model finds the sentence that states the claim; a negated or
    reversed claim is not supported by the same sentence."""
    v = assistant.check("Sanofi's Beijing project is its largest single investment in China.")
    assert v.verdict == "supported" and v.decided_by == "model"
    assert "largest" in v.citations[0].quote
    assert v.confidence >= assistant.checker.model.thresholds["supported"]
    for turned in ("Sanofi's Beijing project is not its largest single investment in China.",
                   "Foreign investment in Beijing decreased in 2024."):  # fmt: skip
        assert assistant.check(turned).verdict != "supported", turned


def test_figure_verdicts_say_who_decided(assistant):
    v = assistant.check("Beijing saw 2,500 new foreign-funded enterprises established in 2024.")
    assert v.verdict == "contradicted" and v.decided_by == "figures"
    assert 0 < v.confidence < 1


def test_the_direction_of_a_sentence_is_read(assistant):
    """Figures and names agree, the direction does not ("cut" / "stepped up", both in the WordNet lexicon):
    contradicted. (The claims are the ones reported against the seed article.)"""
    kept = assistant.check(
        "Eight foreign-funded pharmaceutical enterprises stepped up their investment in Beijing."
    )
    assert kept.verdict == "supported" and "stepped up" in kept.citations[0].quote
    for claim in (
        "Eight foreign-funded pharmaceutical enterprises cut their investment in Beijing.",
        "Eli Lilly and Pfizer were among eight pharmaceutical firms that cut their investment in the "
        "capital.",
    ):
        got = assistant.check(claim)
        assert got.verdict == "contradicted" and got.decided_by == "polarity", got.explanation
        assert "stepped up" in got.explanation
    # A true restatement with its figures in other words keeps its support.
    same = assistant.check(
        "In 2024, 2,012 foreign-funded enterprises were set up in Beijing, 16.4% more than a year earlier."
    )
    assert same.verdict == "supported", same.explanation


def test_a_figure_is_its_own_subjects(assistant):
    """Harbor City's sentence "Actual use of foreign capital reached 41.7 billion yuan." never says whose
    capital; its passage and title are Harbor City's, so it is no evidence on Beijing's."""
    beijing = assistant.check("Actual use of foreign capital in Beijing reached 41.7 billion yuan.")
    assert beijing.verdict != "supported" and not beijing.citations, beijing.explanation
    harbor = assistant.check("Actual use of foreign capital in Harbor City reached 41.7 billion yuan.")
    assert harbor.verdict == "supported" and "harbor_city" in harbor.citations[0].doc_id
    assert harbor.citations[0].shown.startswith("[Harbor City] “Actual use")  # whose, added, not quoted


def test_a_claim_that_names_no_place_is_not_refuted_by_another_places_figure(assistant):
    """ "the city": Beijing's article states these figures; Harbor City's 3,480 is another city's count."""
    v = assistant.check(
        "In 2024, 2,012 foreign-funded enterprises were set up in the city, 16.4% more than a year earlier."
    )
    assert v.verdict == "supported", v.explanation
    assert "beijing" in v.citations[0].doc_id and "2,012" in v.citations[0].quote


def test_a_draft_carries_its_subject_to_sentences_that_name_none(assistant):
    draft = (
        "Foreign investment in Beijing\n\n"
        "In 2024, 2,012 foreign-funded enterprises were set up in the city, 16.4% more than a year earlier. "
        "Actual use of foreign capital reached 41.7 billion yuan. "
        "In 2024, 3,480 foreign-funded enterprises were set up in the city."
    )
    got = {s.sentence: s.verdict for s in assistant.check_text(draft).sentences if s.verdict}
    first, capital, harbor = list(got.values())
    assert first.verdict == "supported" and "beijing" in first.citations[0].doc_id
    assert capital.verdict != "supported", capital.explanation  # 41.7 billion is Harbor City's
    assert harbor.verdict == "contradicted" and "beijing" in harbor.citations[0].doc_id, harbor.explanation


def test_that_growth_is_the_growth_of_the_sentence_before(assistant):
    """ "That growth" is Beijing's 16.4% from the sentence before: 6.5 points above the national average is
    what the article says, below is the reverse."""
    lead = (
        "In 2024, 2,012 foreign-funded enterprises were set up in Beijing, 16.4% more than a year earlier. "
    )
    for way, verdict in (("above", "supported"), ("below", "contradicted")):
        draft = lead + f"That growth was 6.5 percentage points {way} the national average."
        got = assistant.check_text(draft).sentences[-1].verdict
        assert got.verdict == verdict, got.explanation
    assert "(up)" in got.explanation and "(down)" in got.explanation
