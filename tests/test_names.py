"""The one reading of names and bare figures, and features by name: what each caller takes of it."""

from __future__ import annotations

import pytest

from assistant.generation.checker import _names as written_names
from assistant.reasoning.factcheck import claim_names
from assistant.reasoning.fitted import vector
from assistant.reasoning.selection import FEATURES, Candidate, question_names
from assistant.text.names import (
    certain_names,
    certain_runs,
    figures,
    is_year,
    name_runs,
    names,
    ordinary_opening,
)

SENTENCE = "What did Beijing's Free Trade Zone 2.0 Plan set for 2024, after 1,000 firms in 2023?"


def test_names_words_versions_then_years_and_figures_on_request():
    words = ["Beijing", "Free", "Trade", "Zone", "2.0", "Plan"]
    assert names(SENTENCE) == words + ["2024", "2023"]
    assert names(SENTENCE, figures=True) == words + ["2024", "2023", "1,000"]  # each once
    assert names("The city of Harbor City") == ["Harbor", "City"]  # a leading stop word is no name


def test_each_caller_takes_its_part():
    assert claim_names(SENTENCE) == ["Beijing", "Free", "Trade", "Zone", "Plan"]  # figures are judged as such
    assert written_names("Officials in Beijing set a 2.0 Plan in 2024 [1].") == ["Beijing", "2.0", "Plan"]
    assert question_names("I'm in Harbor City. How many in 2024?") == ["Harbor", "City", "How", "2024"]


def test_bare_figures_and_name_runs():
    assert figures("2,012 firms, 16.4% and 2024; 3") == ["2,012", "16.4", "2024", "3"]
    assert is_year("2024") and not is_year("2,024") and not is_year("in 2024")
    assert name_runs("Apply to Harbor City Council. Harbor City rules.") == ["Harbor City Council"]


def test_features_become_a_row_by_name_only():
    named = {f: float(i) for i, f in enumerate(FEATURES)}
    shuffled = dict(reversed(list(named.items())))
    assert vector(shuffled, FEATURES) == list(range(len(FEATURES)))
    with pytest.raises(ValueError, match="missing"):
        vector({k: v for k, v in named.items() if k != "cos_sentence"}, FEATURES)
    with pytest.raises(ValueError, match="extra"):
        vector(named | {"cos_other": 1.0}, FEATURES)
    candidate = Candidate(None, 0, 0, 0, named=shuffled)  # type: ignore[arg-type]
    assert candidate.features == list(range(len(FEATURES)))


@pytest.mark.parametrize(
    "text, certain",
    [
        ("Actual use of foreign capital in Beijing reached 41.7 billion yuan.", ["Beijing"]),  # by position
        ("Eli Lilly and Pfizer cut their investment.", ["Eli", "Lilly", "Pfizer"]),  # a run opens it
        ("Exports fell. Output fell in Harbor City.", ["Harbor", "City"]),  # lone openers are in doubt...
        ("Southmere set up 2,050 firms.", ["Southmere"]),  # ...unless no word of the language
        ("Guesthouses can claim up to £3,500 a year.", []),  # two words of it (guest + houses) are one
        ("Northgate set up 1,900 firms.", ["Northgate"]),  # short parts make a place's name
        ("In 2024, 2,012 enterprises were set up in the city.", []),
    ],
)
def test_certain_names_leave_out_words_capitalised_by_position(text, certain):
    assert certain_names(text) == certain


def test_certain_runs_keep_a_name_whole():
    assert certain_runs("Harbor City's port and Eli Lilly in Beijing grew.") == [
        "Harbor City",
        "Eli Lilly",
        "Beijing",
    ]
    assert certain_runs("Actual use in the city rose.") == []


def test_a_short_name_is_read_with_the_long_form_the_text_defines():
    from assistant.text.names import short_forms

    text = ("A community amateur sports club (CASC) must be open to all. The Northgate Enterprise Zone (NEZ) "
            "cut fees. Gross domestic product (GDP) rose. It was fine (OK).")  # fmt: skip
    assert short_forms(text) == {"CASC": "community amateur sports club", "NEZ": "Northgate Enterprise Zone",
                                 "GDP": "Gross domestic product"}  # fmt: skip


def _quoted(quote: str, passage: str, title: str) -> str:
    from assistant.models import Hit
    from assistant.text.frames import quote_subject

    hit = Hit("d", "d::0", 1.0, passage or quote, 0, len(passage or quote), title=title)
    at = hit.passage.index(quote)
    return quote_subject(hit, at, at + len(quote))


def test_a_quote_that_names_nothing_is_about_its_documents_subject():
    title = "Harbor City Free Trade Port Reports Record Foreign Investment in 2024"  # title case: no clue
    passage = "Harbor City said that 3,480 firms were set up in the city. Actual use of capital grew."
    assert _quoted("Actual use of capital grew.", passage, title) == "Harbor City"
    assert _quoted("Harbor City said that 3,480 firms were set up in the city.", passage, title) == ""
    eli = passage + " Firms such as Eli Lilly stayed."
    assert _quoted("Firms such as Eli Lilly stayed.", eli, title) == ""  # it names someone
    beijing = "Over 140 Policies Implemented in Beijing Since the Launch"
    text = "Beijing has made steady progress. The city grew, Beijing said."
    assert _quoted("Beijing has made steady progress.", text, beijing) == ""  # an opening name
    assert _quoted("The city grew, Beijing said.", text, beijing) == ""
    assert _quoted("It rose.", "Nothing is named here. It rose.", title) == ""  # nothing found: nothing added
    other = passage + " Investors from Shanghai came. Shanghai attracted 3 billion yuan."
    assert _quoted("Shanghai attracted 3 billion yuan.", other, title) == ""  # another place opens it
    songhe = "松河高新区2024年利用外资情况通报"
    assert _quoted("全年新设外商投资企业127家。", "", songhe) == "松河高新区"


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        ("Employers in Oakridge can claim a training grant.", "Employers"),
        ("Guesthouses can claim up to £2,000 a year.", "Guesthouses"),
        ("Alder Valley's exports reached 1.8 billion yuan.", ""),  # a run of capitals: a name
        ("Fenwick's subsidy is capped at 25 million yuan.", ""),  # no word of the language
        ("Employers pay less; Employers' groups agree.", ""),  # capitalised again where no position asks it
    ],
)
def test_a_common_word_capitalised_only_by_its_position_is_told_apart(text, opening):
    assert ordinary_opening(text) == opening
