"""Checking a whole draft: which sentences are worth checking, and a synthetic draft about the seed article
(tests/data/synthetic_draft_two_zones.md, some figures deliberately wrong) marked as a reader would."""

from __future__ import annotations

import pytest
from helpers import DATA, SEED, run_cli

from assistant.reasoning.drafts import carried_subjects
from assistant.reasoning.factcheck import check_worthy

DRAFT = DATA / "synthetic_draft_two_zones.md"
# What a reader with the seed article at hand would say of each check-worthy sentence, in order.
EXPECTED = [
    ("over 140 breakthrough policies", "supported"),
    ("Over 90 institutional innovation", "contradicted"),
    ("For three consecutive years", "supported"),
    ("with 40% of the measures", "supported"),
    ("About 60% of the 2.0 Plan", "contradicted"),
    ("152 projects", "supported"),
    ("exceeded 95%", "contradicted"),
    ("a total of 10 drugs", "supported"),
    ("25 drugs", "contradicted"),
    ("13 enterprises", "supported"),
    ("2,012 foreign-funded", "supported"),
    ("18.2%", "contradicted"),
    ("6.5 percentage points", "supported"),
    ("Eight well-known", "supported"),
    ("Shanghai set up 5,000", "not_found"),
]


@pytest.mark.parametrize(
    "sentence, worthy",
    [
        ("Beijing set up 2,012 foreign-funded firms in 2024.", True),  # a figure
        ("The zone opened in March 2023.", True),  # a date
        ("It is the largest single investment of its kind.", True),  # a ranking
        ("Officials at the Ministry of Commerce announced the new rules.", True),  # a named actor
        ("Patients stand to gain.", False),
        ("What comes next is anyone's guess.", False),
        ("That is a record worth noting.", False),
    ],
)
def test_check_worthy_sentences(sentence, worthy):
    assert check_worthy(sentence) is worthy


@pytest.fixture(scope="module")
def seed_assistant(tmp_path_factory):
    from assistant.core import Assistant

    a = Assistant(index_dir=tmp_path_factory.mktemp("draft-index"))
    a.ingest([SEED])
    return a


@pytest.mark.slow
def test_a_draft_is_marked_sentence_by_sentence_as_a_reader_would(seed_assistant):
    from assistant.export import draft_markdown

    report = seed_assistant.check_file(DRAFT)
    got = [(s.sentence, s.verdict.verdict) for s in report.checked]
    assert len(got) == len(EXPECTED), [g[0] for g in got]
    for (sentence, verdict), (needle, expected) in zip(got, EXPECTED, strict=True):
        assert needle in sentence and verdict == expected, (sentence, verdict, expected)
    assert report.skipped == 5  # the two sentences saying it is synthetic, and three with nothing to check
    by_figure = {s.verdict.parts[0].figure: s.verdict.parts[0].evidence for s in report.checked
                 if s.verdict.verdict == "contradicted"}  # fmt: skip
    assert by_figure["25"] == "10" and by_figure["18.2%"] == "16.4%" and by_figure["Over 90"] == "over 70"
    text = draft_markdown(report)
    assert "**\\[✘ contradicted\\]** Since 2024, 25 drugs" in text
    sentence = "Since 2024, 25 drugs for urgent clinical needs have been approved for import."
    assert f"| {sentence} | ✘ contradicted | 25 | 10 |" in text
    assert text.count("✔ supported") == 2 * 9  # marked in the draft, and in the table
    assert "Checked 15 sentences: 9 supported, 5 contradicted, 1 not found; 5 had nothing to check." in text


@pytest.mark.slow
def test_check_file_from_the_command_line(tmp_path):
    index = str(tmp_path / "index")
    assert run_cli("--index", index, "ingest", str(SEED)).returncode == 0
    out = tmp_path / "report.md"
    result = run_cli("--index", index, "check", "--file", str(DRAFT), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (
        "Checked 15 sentences" in result.stdout
        and out.read_text(encoding="utf-8").strip() == result.stdout.strip()
    )
    both = run_cli("--index", index, "check", "A claim.", "--file", str(DRAFT))
    assert both.returncode == 2 and "not both" in both.stderr
    missing = run_cli("--index", index, "check", "--file", str(tmp_path / "nope.md"))
    assert missing.returncode == 2 and "nope.md" in missing.stderr and "Traceback" not in missing.stderr
    neither = run_cli("--index", index, "check")
    assert neither.returncode == 2 and neither.stderr.startswith("error: give a claim to check")
    draft = tmp_path / "draft.md"
    draft.write_bytes(DRAFT.read_bytes())
    for target in (draft, tmp_path / "." / "draft.md"):  # the draft itself, however it is spelt
        onto = run_cli("--index", index, "check", "--file", str(draft), "--out", str(target))
        assert onto.returncode == 2 and "is the draft being checked" in onto.stderr, onto.stderr
        assert draft.read_bytes() == DRAFT.read_bytes()


def test_a_draft_over_the_sentence_cap_is_refused_with_its_setting(fake_embedder, monkeypatch):
    from assistant import Assistant
    from assistant.models import AssistantError

    monkeypatch.setenv("POLICY_ASSISTANT_MAX_DRAFT_SENTENCES", "3")
    a = Assistant(embedder=fake_embedder)
    a.check_text("Beijing set up 2,500 firms. Shanghai set up 900. Tianjin set up 40.")  # three: checked
    with pytest.raises(
        AssistantError, match=r"4 sentences, more than the 3 .*POLICY_ASSISTANT_MAX_DRAFT_SENTENCES"
    ):
        a.check_text("Beijing set up 2,500 firms. Shanghai set up 900. Tianjin set up 40. Xi'an set up 7.")


def test_a_sentence_that_names_nothing_is_about_what_came_before():
    sentences = [
        "Foreign investment in Beijing",
        "Beijing opened further in 2024.",  # opens with Beijing: a name, since the heading writes it inside
        "In 2024, 2,012 enterprises were set up in the city.",
        "Actual use of foreign capital reached 41.7 billion yuan.",  # "Actual" is no name of the draft
        "Harbor City reported 3,480.",
        "It rose 9.2%.",
    ]
    assert carried_subjects(sentences) == [[], [], ["Beijing"], ["Beijing"], [], ["Harbor", "City"]]


def test_a_chinese_draft_carries_its_place():
    sentences = [
        "青岚综合保税区2025年上半年外贸回顾",
        "其中出口34.2亿元。",
        "红杉综合保税区进口31.5亿元。",
        "区内从业人员约1.2万人。",
    ]
    assert carried_subjects(sentences) == [[], ["青岚综合保税区"], [], ["红杉综合保税区"]]
