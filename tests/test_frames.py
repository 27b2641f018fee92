"""Issue 28's held-out drafts (tests/data/synthetic_frames): each sentence marked as a careful reader would,
over look-alike places with their own figures (real model, real Chroma)."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import CORPUS, DATA

from assistant import Assistant

pytestmark = pytest.mark.slow
FRAMES = DATA / "synthetic_frames"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, real_embedder):
    docs = tmp_path_factory.mktemp("frames-docs")
    for path in [*FRAMES.glob("*.txt"), *FRAMES.glob("*.md"), *(DATA / "synthetic_chinese").glob("*.txt")]:
        shutil.copy(path, docs / path.name)
    a = Assistant(index_dir=tmp_path_factory.mktemp("frames-index"), embedder=real_embedder)
    a.ingest([CORPUS, docs])
    return a


def marks(assistant, draft: dict) -> list[tuple[str, str, str]]:
    """(sentence, gold, got) for each sentence of a draft with something to check."""
    sentences = draft["sentences"]
    joint = "" if draft["id"].endswith("chinese") else " "
    text = sentences[0]["text"] + "\n\n" + joint.join(s["text"] for s in sentences[1:])
    got = {s.sentence: s.verdict for s in assistant.check_text(text).sentences}
    out = []
    for s in sentences:
        if s["gold"] != "none":
            verdict = got.get(" ".join(s["text"].split()))
            out.append((s["text"], s["gold"], verdict.verdict if verdict else "none"))
    return out


def test_the_held_out_drafts_are_marked_as_a_careful_reader_would(assistant):
    drafts = [json.loads(line) for line in (FRAMES / "drafts.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [row for draft in drafts for row in marks(assistant, draft)]
    assert len(rows) == 30
    wrong_support = [r for r in rows if r[2] == "supported" and r[1] != "supported"]
    support_refuted = [r for r in rows if r[1] == "supported" and r[2] == "contradicted"]
    assert not wrong_support and not support_refuted, (wrong_support, support_refuted)
    right = sum(gold == got for _s, gold, got in rows)
    assert right >= 28, [r for r in rows if r[1] != r[2]]  # 20 before issue 28's first step, 26 after


def test_a_short_name_the_guide_defines_is_read_as_its_long_form(assistant):
    """The guide writes "CASCs can't charge more than £31 a week" after defining CASC; the negated bound is
    an upper one on both sides."""
    v = assistant.check("A community amateur sports club cannot charge more than £31 a week.")
    assert v.verdict == "supported" and "CASCs can't charge" in v.citations[0].quote, v.explanation
    assert "can't charge more than £31" in v.explanation


def test_two_rates_on_two_table_lines_are_judged_together(assistant):
    right = assistant.check("Attendance Allowance is paid at two weekly rates, £61.85 and £92.40.")
    assert right.verdict == "supported", right.explanation
    quotes = " ".join(c.quote for c in right.citations)
    assert "£61.85" in quotes and "£92.40" in quotes
    wrong = assistant.check("Attendance Allowance is paid at two weekly rates, £61.85 and £95.10.")
    assert wrong.verdict == "contradicted" and "£92.40" in wrong.explanation, wrong.explanation


def test_a_claim_the_guide_negates_is_contradicted(assistant):
    v = assistant.check("Attendance Allowance is means-tested.")
    assert v.verdict == "contradicted" and v.decided_by == "polarity", v.explanation
    assert "is not means-tested" in v.citations[0].quote
    assert assistant.check("Attendance Allowance is not means-tested.").verdict != "contradicted"
    grant = assistant.check("The start-up grant in Northgate is means-tested.")
    assert grant.verdict == "contradicted" and "northgate" in grant.citations[0].doc_id, grant.explanation


def test_a_level_reached_the_other_way_is_contradicted(assistant):
    """A level stepped up to 310,000 is not one cut to 310,000: the figure agrees, the direction does not."""
    cut = assistant.check("Kestrel Bay's cold-chain warehouses cut their storage capacity to 310,000 tonnes.")
    assert cut.verdict == "contradicted" and "stepped up" in cut.citations[0].quote, cut.explanation
    same = assistant.check(
        "Kestrel Bay's cold-chain warehouses stepped up their storage capacity to 310,000 tonnes."
    )
    assert same.verdict == "supported", same.explanation


def test_a_cap_is_compared_with_the_cap_the_rule_sets(assistant):
    """A rebate "of up to 30,000 yuan" does not bear out one "of up to 45,000": each states the limit."""
    claim = "Small exporters in Kestrel Bay may claim a freight rebate of up to {} yuan a year."
    more = assistant.check(claim.format("45,000"))
    assert more.verdict == "contradicted" and "30,000" in more.explanation, more.explanation
    same = assistant.check(claim.format("30,000"))
    assert same.verdict == "supported", same.explanation


def test_a_chinese_change_the_other_way_is_contradicted(assistant):
    down = assistant.check("2017年，松河市总部企业数量累计达到4064家，比上一年减少57家。")
    assert down.verdict == "contradicted" and "增加57家" in down.citations[0].quote, down.explanation
    up = assistant.check("2017年，松河市总部企业数量累计达到4064家，比上一年增加57家。")
    assert up.verdict == "supported", up.explanation


@pytest.mark.parametrize("question, says", [
    ("青岚综合保税区2020年进出口总额是多少？", "It gives the first half of 2025, not 2020"),
    ("青岚综合保税区2025年下半年进出口总额是多少？",
     "It gives the first half of 2025, not the second half of 2025"),
    ("How many foreign-funded enterprises were set up in Beijing in the first half of 2024?",
     "It gives 2024, not the first half of 2024"),
])  # fmt: skip
def test_a_question_for_a_period_the_corpus_lacks_is_told_so_plainly(assistant, question, says):
    answer = assistant.ask(question)
    assert answer.outcome == "none" and says in answer.text, answer.text
    assert answer.related and answer.confidence < 0.5


def test_the_period_asked_is_still_answered(assistant):
    answer = assistant.ask("青岚综合保税区2025年上半年进出口总额是多少？")
    assert answer.outcome == "answer" and "58.7亿元" in answer.text, answer.text


def test_last_year_is_the_year_before_the_documents_date(assistant):
    """The review dated 2025-03-04: "Last year the port's passenger ferries carried 1.3 million people"."""
    v = assistant.check("Kestrel Bay's passenger ferries carried 1.3 million people in 2024.")
    assert v.verdict == "supported" and "Last year" in v.citations[0].quote, v.explanation
    assert assistant.check("Kestrel Bay's passenger ferries carried 1.3 million people in 2023.").verdict != (
        "supported"
    )
    answer = assistant.ask("How many people did Kestrel Bay's passenger ferries carry in 2024?")
    assert answer.outcome != "none" and "1.3 million" in answer.text, answer.text


def test_a_sentence_under_another_zones_heading_is_that_zones(assistant):
    """One passage reviews two zones under a heading each (coastal_zones_review_2025.txt): "The zone raised
    its land fees by 5%." stands under Ferncliff, so it neither supports nor contradicts Larkspur Bay (it
    was a support before frames were stored), and Ferncliff's figure is shown as another subject's."""
    v = assistant.check("Larkspur Bay's actual investment reached 6.1 billion yuan in 2024.")
    assert v.verdict == "not_found" and not v.citations, v.explanation
    assert "Given for another subject, not this one: Ferncliff: 6.1 billion yuan" in v.explanation
    assert v.elsewhere[0][0] == "Ferncliff: 6.1 billion yuan"
    assert v.related[0].doc_id.endswith("coastal_zones_review_2025.txt")
    fees = assistant.check("Larkspur Bay raised its land fees by 5%.")
    assert fees.verdict != "supported" and "raised its land fees by 5%" not in fees.explanation
    own = assistant.check("Ferncliff raised its land fees by 5%.")
    assert own.verdict == "supported" and own.citations[0].shown.startswith("[Ferncliff] “The zone raised")


def test_a_speaker_or_a_firm_opening_a_sentence_is_no_other_subject(assistant):
    """Under the Ferncliff heading, "Mayor Ada Quill said the zone attracted 14 new factories." is still
    Ferncliff's (a name opening a sentence is its subject only when it is a document's or heading's), and
    a claim about a firm is no claim about another zone."""
    v = assistant.check("Ferncliff attracted 14 new factories.")
    assert v.verdict == "supported" and "Mayor Ada Quill" in v.citations[0].quote, v.explanation
    firm = assistant.check("Orbis Pharma invested 300 million yuan.")
    assert firm.verdict == "supported" and "Orbis Pharma" in firm.citations[0].quote, firm.explanation
    assert not firm.elsewhere


def test_a_headings_year_holds_for_the_sentences_under_it(assistant):
    """ "The zone approved 380 foreign-funded projects." stands under "Larkspur Bay in 2023"."""
    claim = "{} approved 380 foreign-funded projects in {}."
    v = assistant.check(claim.format("Larkspur Bay", 2023))
    assert v.verdict == "supported", v.explanation
    assert v.citations[0].shown.startswith("[Larkspur Bay] “The zone approved 380")
    assert assistant.check(claim.format("Larkspur Bay", 2024)).verdict == "contradicted"  # 412 in 2024
    assert assistant.check(claim.format("Ferncliff", 2023)).verdict == "not_found"


def test_frames_are_stored_with_the_chunks(assistant):
    """The frames come back from Chroma with each passage: the sentence naming no zone is Ferncliff's."""
    hit = next(h for h in assistant.search("Ferncliff actual investment reached 6.1 billion yuan", k=10)
               if h.doc_id.endswith("coastal_zones_review_2025.txt"))  # fmt: skip
    at = hit.passage.index("Actual investment")
    frame = next(f for f in hit.frames if f.start == at)
    assert (frame.subject, frame.said) == ("Ferncliff", False)
    assert "frames" not in hit.to_dict()


def test_the_askers_own_place_comes_before_a_look_alikes(assistant):
    """The asker says where they live; Brenfield's look-alike fund is not their answer (it was the
    confident answer before), and Marlow Valley's own passage comes first."""
    ask = "I live in {} and my household earns £60,000 a year. Can I get help from the hardship fund?"
    marlow = assistant.ask(ask.format("Marlow Valley"))
    assert marlow.citations[0].doc_id.endswith("marlow_2025_water.txt"), marlow.text
    assert "£250" in marlow.citations[0].quote
    assert marlow.outcome != "answer" or "£400" not in marlow.text  # never a confident look-alike
    brenfield = assistant.ask(ask.format("Brenfield"))
    assert brenfield.citations[0].doc_id.endswith("brenfield_2025_water.txt"), brenfield.text
