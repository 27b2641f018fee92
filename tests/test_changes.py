"""Reading a rule's change and the day it applies from (`text.changes`), and frames that keep that day."""

from __future__ import annotations

import pytest

from assistant.text.changes import day_words, effective_date, effective_dates, read_changes
from assistant.text.frames import frame_sentences, pack, unpack


def moves(sentence: str) -> list[tuple[str, str]]:
    return [(c.old.text if c.old else "", c.new.text) for c in read_changes(sentence)]


def test_what_a_new_value_counts_follows_the_old_one_when_it_comes_first():
    (change,) = read_changes("The grant will rise to £2,500 from £2,000 per apprentice on 1 July 2026.")
    assert change.new.noun[:2] == ["per", "apprentice"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The minimum investment is lowered from 80 million yuan to 60 million yuan.",
         [("80 million yuan", "60 million yuan")]),
        ("From 1 March 2027, the berth fee rises from 3.20 yuan to 3.60 yuan per gross tonne.",
         [("3.20 yuan", "3.60 yuan")]),
        ("The cap was raised to 25 million yuan from 20 million yuan.",
         [("20 million yuan", "25 million yuan")]),
        ("The grant will rise to £2,500 from £2,000 per apprentice on 1 July 2026.", [("£2,000", "£2,500")]),
        ("The threshold increases to £15,000 (previously £12,000).", [("£12,000", "£15,000")]),
        ("自2026年3月1日起，奖励上限调整为800万元。", [("", "800万元")]),  # the new value alone
        ("一、自2025年9月1日起，租房补贴标准由每月1500元提高至每月2000元。", [("1500元", "2000元")]),
        ("二、申请人连续缴纳社会保险的时限由6个月缩短为3个月。", [("6个", "3个")]),
        # spans and histories move no rule
        ("Firms with from 10 to 50 employees qualify.", []),
        ("补贴从1000元至5000元不等。", []),
        ("Exports rose from 1.2 billion yuan in 2023 to 1.5 billion yuan in 2024.", []),
        ("The fee is 3.20 yuan per gross tonne.", []),
    ],
)  # fmt: skip
def test_a_change_is_read_with_its_old_and_new_value(sentence, expected):
    assert moves(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "day"),
    [
        ("With effect from 1 October 2025, the minimum is lowered.", "2025-10-01"),
        ("From March 2027 the fee rises.", "2027-03-01"),
        ("Effective from July 15, 2026, the rule applies.", "2026-07-15"),
        ("一、自2025年9月1日起，标准提高。", "2025-09-01"),
        ("本办法自2026年1月起施行。", "2026-01-01"),
        ("The new rate comes into force on 6 April 2026.", "2026-04-06"),
        ("The fee will rise to £5 from £4 on 1 July 2026.", "2026-07-01"),  # a change: its day
        # an event's day is no effective date
        ("The notice was issued on 1 October 2025.", ""),
        ("Applications close by 30 June 2025.", ""),
    ],
)
def test_the_day_a_rule_applies_from(sentence, day):
    assert effective_date(sentence) == day


def test_a_later_item_of_a_notice_applies_from_the_day_its_first_gives():
    items = [
        "The bureau amends its measures as follows.",
        "With effect from 1 October 2025, the minimum is lowered from 80 million yuan to 60 million yuan.",
        "From the same date, the cap is raised from 20 million yuan to 25 million yuan.",
        "二、申请人连续缴纳社会保险的时限由6个月缩短为3个月。",
        "All other provisions remain unchanged.",
    ]
    assert effective_dates(items) == ["", "2025-10-01", "2025-10-01", "2025-10-01", ""]


def test_frames_keep_the_effective_day_through_the_store():
    text = (
        "Amendment to the Fenwick measures\n\nWith effect from 1 October 2025, the minimum is lowered from "
        "80 million yuan to 60 million yuan.\n\nFrom the same date, the cap is raised from 20 million yuan "
        "to 25 million yuan."
    )
    frames = frame_sentences(text, "Amendment to the Fenwick measures", "2025-09-02")
    assert [f.effective for f in frames][-2:] == ["2025-10-01", "2025-10-01"]
    assert [f.effective for f in unpack(pack(frames, 0, len(text)))] == [f.effective for f in frames]


def test_a_day_is_written_as_people_write_it():
    assert day_words("2027-03-01") == "1 March 2027"
    assert day_words("") == ""


def test_a_rule_in_force_at_once_applies_from_its_documents_day():
    assert effective_date("The fee is cut from £5 to £4 with immediate effect.", "2026-05-04") == "2026-05-04"
    assert effective_date("本办法自发布之日起施行，补贴由1000元提高至1200元。", "2026-05-04") == "2026-05-04"
    assert effective_date("The fee is cut from £5 to £4 with immediate effect.") == ""  # no day known
