"""Issue 29's held-out notices (tests/data/synthetic_amendments, _2 and _3): rules amended by later notices
(effective in the past and the future, English and Chinese), two sources that differ and two that agree
within rounding; and a planted upload beside the corpus article (tests/data/synthetic_planted). Real
model, real Chroma; checks judged as of 2026-12-07."""

from __future__ import annotations

import json

import pytest
from helpers import DATA, SEED, run_cli

from assistant import Assistant

pytestmark = pytest.mark.slow
AMENDMENTS = DATA / "synthetic_amendments"
# the second and third: other wordings, each written after the code had seen the one before
SETS = (AMENDMENTS, DATA / "synthetic_amendments_2", DATA / "synthetic_amendments_3")
PLANTED = DATA / "synthetic_planted"
DAY = "2026-12-07"  # the day the cases' gold was written for
CASES = [
    json.loads(line) for d in SETS for line in (d / "cases.jsonl").read_text(encoding="utf-8").splitlines()
]


@pytest.fixture(scope="module")
def index(tmp_path_factory, real_embedder):
    path, docs = tmp_path_factory.mktemp("amendments-index"), tmp_path_factory.mktemp("amendments-docs")
    for notice in (path for d in SETS for path in d.glob("*.txt")):
        (docs / notice.name).write_bytes(notice.read_bytes())
    assert Assistant(index_dir=path, embedder=real_embedder).ingest([docs]).ok
    return path


@pytest.fixture(scope="module")
def assistant(index, real_embedder):
    return Assistant(index_dir=index, embedder=real_embedder, as_of=DAY)


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "claim"], ids=lambda c: c["id"])
def test_each_held_out_claim_gets_a_careful_readers_verdict(assistant, case):
    verdict = assistant.check(case["text"])
    assert verdict.verdict == case["gold"], verdict.explanation


def test_an_out_of_date_figure_cites_the_old_rule_and_the_change(assistant):
    verdict = assistant.check("Fenwick's manufacturing subsidy is capped at 20 million yuan per project.")
    assert verdict.verdict == "out_of_date"
    titles = {c.title for c in verdict.citations}
    assert titles == {"Fenwick manufacturing incentive measures",
                      "Amendment to the Fenwick manufacturing incentive measures"}  # fmt: skip
    assert "20 million yuan" in verdict.explanation and "25 million yuan" in verdict.explanation
    assert "1 October 2025" in verdict.explanation
    (also,) = verdict.parts[0].also
    assert (also.figure, also.role, also.since) == ("25 million yuan", "current", "2025-10-01")


def test_a_figure_of_another_measure_never_contradicts(assistant):
    # 640 million yuan is 2024's approved investment, not the minimum a project needs
    verdict = assistant.check("Fenwick's subsidy requires a minimum investment of 60 million yuan.")
    assert verdict.verdict == "supported" and "640" not in verdict.explanation


def test_the_rule_in_force_is_the_one_on_the_day_checked(index, real_embedder):
    cap = "Fenwick's manufacturing subsidy is capped at {} million yuan per project."
    fee = "The berth fee for container vessels at Harlow is {} yuan per gross tonne."
    before = Assistant(index_dir=index, embedder=real_embedder, as_of="2025-05-01")
    assert before.check(cap.format(20)).verdict == "supported"
    assert before.check(cap.format(25)).verdict == "contradicted"
    after = Assistant(index_dir=index, embedder=real_embedder, as_of="2027-06-01")
    assert after.check(fee.format("3.60")).verdict == "supported"
    assert after.check(fee.format("3.20")).verdict == "out_of_date"


QUESTIONS = [c for c in CASES if c["kind"] == "question"]


@pytest.mark.parametrize("case", QUESTIONS, ids=lambda c: c["id"])
def test_answers_give_the_current_value_and_name_the_replaced_one(assistant, case):
    answer = assistant.ask(case["text"])
    text = answer.text.replace("yuan", "").replace("  ", " ")
    for figure in case["expect"] + case.get("replaced", []) + case.get("later", []):
        assert figure.replace(" yuan", "") in text, (figure, answer.text)
    first = answer.text.split("\n")[0]  # the note on where the figures stand comes first
    assert first.startswith(("Now ", "Until ", "Sources differ")), answer.text


def test_the_json_of_a_check_carries_the_new_verdicts(index):
    done = run_cli("--index", str(index), "--as-of", DAY, "check", "--json",
                   "Alder Valley's exports reached 1.8 billion yuan in 2024.")  # fmt: skip
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["verdict"] == "disputed"
    assert verdict["parts"][0]["also"][0]["role"] == "differs"
    figures = {verdict["parts"][0]["evidence"], verdict["parts"][0]["also"][0]["figure"]}
    assert figures == {"1.8 billion yuan", "2.8 billion yuan"}


def test_a_bad_day_is_one_clear_line(index):
    done = run_cli("--index", str(index), "--as-of", "2025-5-1", "check", "Fenwick caps it at 25 million.")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def planted(tmp_path_factory, real_embedder):
    docs = tmp_path_factory.mktemp("planted-docs")
    for path in (SEED, PLANTED / "planted_beijing_note.txt"):
        (docs / path.name).write_bytes(path.read_bytes())
    a = Assistant(index_dir=tmp_path_factory.mktemp("planted-index"), embedder=real_embedder, as_of=DAY)
    a.ingest([docs])
    return a


def test_a_planted_figure_makes_the_count_disputed_with_both_figures(planted):
    verdict = planted.check("In 2024, Beijing established 2,012 firms.")
    assert verdict.verdict == "disputed", verdict.explanation
    assert "2,012" in verdict.explanation and "9,999" in verdict.explanation


def test_an_answer_and_a_briefing_show_the_disagreement(planted):
    answer = planted.ask("How many foreign-funded enterprises were established in Beijing in 2024?")
    assert answer.text.startswith("Sources differ:") and "2,012" in answer.text and "9,999" in answer.text
    briefing = planted.brief("foreign-funded enterprises established in Beijing in 2024")
    counts = [item for item in briefing.items if "2,012" in item.quote or "9,999" in item.quote]
    assert counts and all(item.conflict for item in counts)


def test_a_clean_match_in_one_source_is_surer_than_a_match_sources_dispute(assistant):
    clean = assistant.check("A qualifying Fenwick project must create at least 150 new jobs.")
    disputed = assistant.check("Alder Valley's exports reached 1.8 billion yuan in 2024.")
    assert (clean.verdict, disputed.verdict) == ("supported", "disputed")
    assert clean.confidence > disputed.confidence > 0
    assert "gov.uk guides" in clean.basis and "sources that differ" in disputed.basis
    assert disputed.to_dict()["basis"] == disputed.basis and "signals" not in disputed.to_dict()
