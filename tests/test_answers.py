"""Extractive answers, abstention and follow-ups over the shipped corpus plus the synthetic eval documents."""

from __future__ import annotations

import json

import pytest
from helpers import CORPUS, DATA, EVAL_EXTRA, ROOT, run_cli

from assistant import Assistant
from assistant.measuring.evaluation import evaluate_questions, faithful, load_jsonl
from assistant.reasoning.questions import is_follow_up, rewrite

QA = EVAL_EXTRA.parent / "qa.jsonl"
BEIJING = "How many foreign-funded enterprises were established in Beijing in 2024?"
needs_eval = pytest.mark.skipif(
    not QA.is_file(), reason="../shared/eval is not beside this checkout (CI has it)"
)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, real_embedder):
    path = tmp_path_factory.mktemp("answers-index")
    Assistant(index_dir=path, embedder=real_embedder).ingest(
        [CORPUS] + ([EVAL_EXTRA] if EVAL_EXTRA.is_dir() else [])
    )
    return path


@pytest.fixture
def assistant(index_dir, real_embedder):
    return Assistant(index_dir=index_dir, embedder=real_embedder)


def test_follow_up_rewriting():
    history = [(BEIJING, "...")]
    assert rewrite("What about Harbor City?", history) == BEIJING.replace("Beijing", "Harbor City")
    assert rewrite("And in 2023?", history) == BEIJING.replace("2024", "2023")
    assert "growth rate" in rewrite("What about the growth rate?", history)
    assert "Beijing" in rewrite("Who announced it?", history)
    assert rewrite(BEIJING, history) == BEIJING  # a full question stands alone
    assert not is_follow_up("How many projects were completed under the 2.0 plan?")


@pytest.mark.slow
@needs_eval
def test_eval_questions(assistant):
    report = evaluate_questions(assistant, load_jsonl(QA))
    s = report["summary"]
    assert s["correct_with_evidence_top3"] >= 14, report["results"]
    # Unanswerable questions: none gets an unhedged answer; most abstain, the rest are hedged.
    assert s["abstention_recall"] >= 0.5 and s["abstention_precision"] == 1.0
    assert s["unanswerable_answered_unhedged"] == 0
    assert s["faithfulness"] == 1.0


@pytest.mark.slow
@needs_eval
def test_every_figure_is_quoted_and_citations_are_exact(assistant):
    for row in load_jsonl(QA):
        ans = assistant.ask(row["question"])
        if ans.abstained:
            assert ans.text == "The corpus does not answer this." and not ans.citations
            continue
        assert faithful(ans), ans.text
        for c in ans.citations:
            assert f"[{c.n}]" in ans.text
            assert c.quote in c.passage and c.start <= c.quote_start < c.quote_end <= c.end
            assert c.title and c.date and c.doc_id


@pytest.mark.slow
@needs_eval
def test_follow_up_answers_harbor_city(assistant):
    first = assistant.ask(BEIJING)
    assert "2,012" in first.text and "As of 2025-03-01" in first.text
    second = assistant.ask("What about Harbor City?", history=[(BEIJING, first.text)])
    assert second.rewritten_question == BEIJING.replace("Beijing", "Harbor City")
    assert "3,480" in second.text and "2,012" not in second.text
    assert second.citations[0].doc_id.endswith("harbor_city_2024_investment.txt")


@pytest.mark.slow
@needs_eval
def test_filters_exclude_the_seed(assistant):
    for filters in ({"source": "news.harbor-city.example"}, {"date_to": "2025-02-28"}):
        ans = assistant.ask(BEIJING, filters=filters)
        assert all("beijing_two_zones" not in c.doc_id for c in ans.citations)
        assert all("beijing_two_zones" not in h.doc_id for h in ans.related)


@pytest.mark.slow
def test_other_place_abstains_with_related_passages(assistant):
    ans = assistant.ask(BEIJING.replace("Beijing", "Shanghai"))
    assert ans.abstained and ans.related and not ans.citations


@pytest.mark.slow
def test_another_year_is_said_plainly_not_quoted_as_an_answer(assistant):
    """The corpus gives 2024's count: asked for 2019's, the answer says so as outcome none (it used to show
    2024's sentence as the closest passage); asked for 2024's, it answers."""
    ans = assistant.ask(BEIJING.replace("2024", "2019"))
    assert ans.outcome == "none" and ans.abstained and not ans.citations, ans.text
    assert "It gives 2024, not 2019" in ans.text and "2,012" in ans.text and ans.confidence < 0.5
    assert "2,012" in ans.related[0].passage
    assert assistant.ask(BEIJING).outcome == "answer"
    if EVAL_EXTRA.is_dir():  # Harbor City's "18% more than in 2023" is another city's year, no answer either
        lakeshore = assistant.ask(BEIJING.replace("Beijing", "Lakeshore New Area").replace("2024", "2023"))
        assert lakeshore.outcome == "none" and "It gives 2024, not 2023" in lakeshore.text, lakeshore.text


@pytest.mark.slow
def test_cli_ask_json(index_dir):
    out = run_cli("--index", str(index_dir), "ask", BEIJING, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert "2,012" in data["text"] and data["abstained"] is False and data["rewritten_question"] == ""
    assert data["outcome"] == "answer" and 0.5 < data["confidence"] <= 1
    assert data["citations"][0]["quote"] in data["citations"][0]["passage"]


@pytest.mark.slow
@needs_eval
def test_paraphrases_and_look_alikes(assistant):
    """Questions written for this test, not tuned against: paraphrases, other places, years not covered."""
    report = evaluate_questions(assistant, load_jsonl(DATA / "paraphrase_qa.jsonl"))
    wrong = [r for r in report["results"] if r["answerable"] and not r["correct"]]
    assert len(wrong) <= 1, wrong
    assert report["summary"]["abstention_precision"] == 1.0
    assert report["summary"]["unanswerable_answered_unhedged"] == 0, report["results"]
    assert report["summary"]["faithfulness"] == 1.0


@pytest.mark.slow
@needs_eval
def test_terminal_chat_follows_up(index_dir):
    import os
    import subprocess
    import sys

    turns = f"{BEIJING}\nWhat about Harbor City?\nexit\n"
    cmd = [sys.executable, "-m", "assistant", "--index", str(index_dir), "chat"]
    out = subprocess.run(
        cmd, input=turns, capture_output=True, text=True, timeout=300, cwd=ROOT, env=dict(os.environ)
    )
    assert out.returncode == 0, out.stderr
    assert "2,012" in out.stdout and "3,480" in out.stdout
    assert (
        "(understood as: How many foreign-funded enterprises were established in Harbor City in 2024?)"
        in out.stdout
    )


GUIDES = DATA / "synthetic_guides"
SITUATION_Q = (
    "I am 19 and I started an apprenticeship as an electrician last month. My workplace is 25 miles from "
    "home and I pay for the bus myself. Can I get help with my travel costs?"
)


@pytest.fixture(scope="module")
def guides_index(tmp_path_factory, real_embedder):
    path = tmp_path_factory.mktemp("guides-index")
    report = Assistant(index_dir=path, embedder=real_embedder).ingest([GUIDES, CORPUS])
    assert report.ok, report.failed
    return path


@pytest.mark.slow
def test_situation_then_question_quotes_the_rule_with_its_items(guides_index, real_embedder):
    a = Assistant(index_dir=guides_index, embedder=real_embedder)
    ans = a.ask(SITUATION_Q)
    assert ans.outcome in ("answer", "closest") and not ans.abstained and 0 < ans.confidence <= 1
    rule = next(c for c in ans.citations if "You can apply for the grant if:" in c.quote)
    assert "- you are aged 16 to 24" in rule.quote and "- your journey to work" in rule.quote
    assert rule.quote == rule.passage[rule.quote_start - rule.start : rule.quote_end - rule.start]


@pytest.mark.slow
def test_answers_read_sentence_vectors_stored_at_ingest(guides_index, real_embedder):
    a = Assistant(index_dir=guides_index, embedder=real_embedder)
    embedded = []
    inner = a.query_embedder._embed
    a.query_embedder._embed = lambda texts: embedded.extend(texts) or inner(texts)
    ans = a.ask("How long does the small fishing boat licence last?")
    assert "2 years" in ans.text
    quotes = {c.quote for c in ans.citations}
    assert not quotes & set(embedded)  # the question and titles are embedded, no passage sentence
    assert "How long does the small fishing boat licence last?" in embedded


@pytest.mark.slow
def test_confidence_separates_an_answer_from_an_unrelated_question(guides_index, real_embedder):
    a = Assistant(index_dir=guides_index, embedder=real_embedder)
    good = a.ask("How long does the small fishing boat licence last?")
    assert not good.abstained and "2 years" in good.text
    off = a.ask("What vaccinations does a pet rabbit need before travelling to Japan?")
    assert off.abstained and off.outcome == "none" and off.related and not off.citations
    assert off.confidence < good.confidence


@pytest.mark.slow
def test_eval_reads_the_conditionalqa_format(guides_index):
    sample = str(DATA / "conditionalqa_sample.jsonl")
    out = run_cli("--index", str(guides_index), "lab", "eval", sample, "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)["summary"]
    assert set(summary) == {"question", "situation + question"}
    for figures in summary.values():
        assert figures["answerable"] == 3 and figures["not_answerable"] == 1
        assert figures["evidence_cited"] >= 2 / 3 and figures["wrongful_abstentions"] <= 1 / 3


@pytest.mark.slow
def test_markdown_headings_are_never_quoted(tmp_path, real_embedder):
    """A heading that repeats the question's words is the title of what follows, not an answer; nor is it a
    bullet of a briefing or the evidence of a verdict."""
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    a.ingest([DATA / "synthetic_headed_guide.md"])
    questions = [
        "Who can get the harbour boatyard grant?",
        "How much does the harbour boatyard grant pay?",
        "How many boatyards got the grant in 2024?",
        "What is the harbour boatyard grant?",
    ]
    quotes = [c.quote for q in questions for c in a.ask(q).citations]
    quotes += [item.quote for item in a.brief("harbour boatyard grant").items]
    verdict = a.check("The harbour office funded 46 boatyards in 2024.")
    assert verdict.verdict == "supported"
    quotes += [c.quote for c in verdict.citations]
    headings = [
        line for line in (DATA / "synthetic_headed_guide.md").read_text().splitlines() if line[:1] == "#"
    ]
    assert quotes and not [q for q in quotes if any(q.strip() in h for h in headings)]  # nor a piece of one
    assert "You qualify if your yard repaired at least 20 hulls" in a.ask(questions[0]).citations[0].quote


@pytest.mark.slow
def test_the_reader_rereads_the_selectors_best_sentences(guides_index, real_embedder):
    import numpy as np

    from assistant.reasoning.selection import choose

    question = "How long does the small fishing boat licence last?"
    a = Assistant(index_dir=guides_index, embedder=real_embedder, reread=True)
    stage = a.answerer.reread_stage()
    assert stage is not None  # reader.json holds a stage fitted for the shipped selector file
    reader, seen = a.answerer.reader, []
    inner = reader.read
    reader.read = lambda query, sentences: seen.append((query, list(sentences))) or inner(query, sentences)
    ans = a.ask(question)
    assert "2 years" in ans.text and len(seen) == 1
    # What was read: the selector's best `top` candidates, best first; what is quoted first: the one the
    # combined score picks among them, at its calibrated confidence.
    query, hits = a.retrieve(question)
    cands = a.answerer.candidates(query, hits)
    choose(a.answerer.model, cands)
    top = sorted(cands, key=lambda c: -c.score)[: stage.top]
    assert seen[0] == (question, [c.text for c in top])
    k, confidence = stage.pick(np.array([c.score for c in top]), inner(question, seen[0][1]).relevance)
    first = ans.citations[0].quote
    assert top[k].text in first or first in top[k].text
    assert ans.confidence == round(confidence, 3)
    a.answerer.reader = None  # off: the selector alone, its own thresholds
    assert a.answerer.reread_stage() is None and "2 years" in a.ask(question).text
