"""The quantity reader over written forms, with the traps: year vs count, percent vs points, qualifiers."""

from __future__ import annotations

import math

import pytest

from assistant.text.numbers import read_quantities

INF = math.inf

# text, expected (surface, kind, value, qualifier) of each quantity in order
CASES = [
    ("2,012 enterprises", [("2,012", "count", 2012, "")]),
    ("2 012 enterprises", [("2 012", "count", 2012, "")]),
    ("12,345,678 visitors", [("12,345,678", "count", 12345678, "")]),
    ("3.5 tonnes", [("3.5", "count", 3.5, "")]),
    ("in 2012 the zone opened", [("2012", "year", 2012, "")]),
    ("since 2020", [("2020", "year", 2020, "")]),
    ("2012 enterprises were set up", [("2012", "count", 2012, "")]),
    ("In 2024, 13 firms", [("2024", "year", 2024, ""), ("13", "count", 13, "")]),
    ("an increase of 16.4%", [("16.4%", "percent", 16.4, "")]),
    ("40 percent of measures", [("40 percent", "percent", 40, "")]),
    ("12 per cent", [("12 per cent", "percent", 12, "")]),
    ("6.5 percentage points higher", [("6.5 percentage points", "pp", 6.5, "")]),
    ("1 percentage point", [("1 percentage point", "pp", 1, "")]),
    ("up 3 pp", [("3 pp", "pp", 3, "")]),
    ("41.7 billion yuan", [("41.7 billion yuan", "money:CNY", 41.7e9, "")]),
    ("RMB 3 million", [("RMB 3 million", "money:CNY", 3e6, "")]),
    ("$2.3bn", [("$2.3bn", "money:USD", 2.3e9, "")]),
    ("US$ 500 million", [("US$ 500 million", "money:USD", 500e6, "")]),
    ("€40 million", [("€40 million", "money:EUR", 40e6, "")]),
    ("10 million yuan", [("10 million yuan", "money:CNY", 10e6, "")]),
    ("three consecutive years", [("three", "count", 3, "")]),
    ("ten drugs", [("ten", "count", 10, "")]),
    ("Eight enterprises", [("Eight", "count", 8, "")]),
    ("a dozen firms", [("a dozen", "count", 12, "")]),
    ("the first batch", [("first", "ordinal", 1, "")]),
    ("ranked third", [("third", "ordinal", 3, "")]),
    ("the 2nd phase", [("2nd", "ordinal", 2, "")]),
    ("In November 2023, the plan", [("November 2023", "month", 2023.11, "")]),
    ("on March 1, 2025", [("March 1, 2025", "month", 2025.03, "")]),
    ("30 June 2025", [("June 2025", "month", 2025.06, "")]),
    ("between 10 and 20 firms", [("between 10 and 20", "count", 10, "range")]),
    ("10-20 firms", [("10-20", "count", 10, "range")]),
    ("from 2020 to 2024", [("from 2020 to 2024", "year", 2020, "range")]),
    ("over 140 policies", [("over 140", "count", 140, "gt")]),
    ("more than 70 of which", [("more than 70", "count", 70, "gt")]),
    ("exceeding 86%", [("exceeding 86%", "percent", 86, "gt")]),
    ("at least 100 beds", [("at least 100", "count", 100, "ge")]),
    ("no less than 10 million yuan", [("no less than 10 million yuan", "money:CNY", 10e6, "ge")]),
    ("nearly 3,000 companies", [("nearly 3,000", "count", 3000, "nearly")]),
    ("about 2,000 firms", [("about 2,000", "count", 2000, "about")]),
    ("up to 30%", [("up to 30%", "percent", 30, "le")]),
    ("fewer than 5 hospitals", [("fewer than 5", "count", 5, "lt")]),
    ("the 2.0 Plan", [("2.0", "label", 2.0, "")]),
    ("2.0方案已完成", [("2.0", "label", 2.0, "")]),
    ("in the first half of 2025", [("first half", "half", 1, ""), ("2025", "year", 2025, "")]),
    ("exports in the 3rd quarter", [("3rd quarter", "quarter", 3, "")]),
    ("in Q3 2024", [("Q3", "quarter", 3, ""), ("2024", "year", 2024, "")]),
    ("the H1N1 virus, H1-B visas, Q1: who may apply", []),
    ("前三季度", [("前三季度", "months", 9, "")]),  # three quarters together: January to September
    ("今年前8个月新设407家", [("前8个月", "months", 8, ""), ("407家", "count", 407, "")]),
    ("2024年1-7月", [("2024年", "year", 2024, ""), ("1-7月", "months", 7, "")]),
    ("1月至6月", [("1月至6月", "months", 6, "")]),
    ("6月至8月新设255家", [("6月至8月", "span", 608, ""), ("255家", "count", 255, "")]),  # not from January
    ("8月份新设119家", [("8月份", "span", 808, ""), ("119家", "count", 119, "")]),  # the month of August
    ("from June to August", [("June to August", "span", 608, "")]),
    ("2017年1~3季度", [("2017年", "year", 2017, ""), ("1~3季度", "months", 9, "")]),
    (
        "in the first eight months of 2024",
        [("first eight months", "months", 8, ""), ("2024", "year", 2024, "")],
    ),
    ("from January to July 2024", [("January to July", "months", 7, ""), ("2024", "year", 2024, "")]),
    ("May 5 firms apply", [("5", "count", 5, "")]),
    ("due by 30 June", [("30 June", "day", 6.30, "")]),
    ("2025年上半年", [("2025年", "year", 2025, ""), ("上半年", "half", 1, "")]),
    ("第一季度增长5%", [("第一季度", "quarter", 1, ""), ("5%", "percent", 5, "")]),
    ("三季度", [("三季度", "quarter", 3, "")]),
    ("10种药品", [("10种", "count", 10, "")]),
    ("自2025年3月1日起施行", [("2025年3月1日", "month", 2025.03, "")]),
    ("每年6月30日前报送", [("6月30日", "day", 6.30, "")]),
    ("by June 30 each year", [("June 30", "day", 6.30, "")]),
    ("截至6月底", [("6月底", "month_of_year", 6, "")]),  # its year is its sentence's period (place_in_year)
    ("one-stop service", []),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0] for c in CASES])
def test_written_forms(text, expected):
    got = [(q.text, q.kind, q.value, q.qualifier) for q in read_quantities(text)]
    assert len(got) == len(expected), got
    for (surface, kind, value, qual), (g_surface, g_kind, g_value, g_qual) in zip(expected, got, strict=True):
        assert (g_surface, g_kind, g_qual) == (surface, kind, qual)
        assert math.isclose(g_value, value, rel_tol=1e-9)


@pytest.mark.parametrize("text, direction", [
    ("exports rose 3.7%", 1), ("grew 6.8% in 2024", 1), ("an increase of 16.4%", 1), ("up 3 pp", 1),
    ("6.5 percentage points higher than", 1), ("reduced mortality by 20%", -1), ("a 3.7% drop", -1),
    ("同比下降3.7%", -1), ("同比增长16.4%", 1), ("比上年提高0.4个百分点", 1), ("下降了2%", -1),
    ("fell to 3.7%", 0), ("增长至5%", 0), ("a share of 40%", 0), ("exceeding 86%", 0), ("负增长3.7%", -1),
    ("rose from 3% to 4%", 0), ("that growth was 6.5 percentage points below", -1),  # the nearer word
    ("6.5 percentage points above the mean", 1), ("an implementation rate above 95%", 0),  # before: a bound
    ("the zone cut its land fees by 15%", -1), ("firms scaled back investment by 12%", -1),  # WordNet lexicon
    ("exports were stepped up by 4%", 1), ("ramped up output by 9%", 1), ("slashed fees by 20%", -1),
])  # fmt: skip
def test_a_change_keeps_its_direction_and_a_level_has_none(text, direction):
    assert {q.direction for q in read_quantities(text) if q.kind in ("percent", "pp")} == {direction}


def test_offsets_point_at_the_text():
    text = "Officials said 118 reform measures had been implemented since 2020, up 4.8% on 2019."
    for q in read_quantities(text):
        assert text[q.start : q.end] == q.text


def test_nouns_say_what_is_counted():
    (q,) = read_quantities("In all, 2,012 foreign-funded enterprises were established.")
    assert q.noun[:2] == ["foreign-funded", "enterprises"]


def one(text):
    (q,) = [q for q in read_quantities(text) if q.kind != "year"]
    return q


@pytest.mark.parametrize(
    "evidence, claim, implied",
    [
        ("over 140 policies", "more than 140 policies", True),
        ("over 140 policies", "more than 100 policies", True),
        ("over 140 policies", "over 200 policies", False),
        ("2,012 firms", "2,500 firms", False),
        ("2,012 firms", "2,012 firms", True),
        ("2,012 firms", "about 2,000 firms", True),
        ("2,012 firms", "over 2,000 firms", True),
        ("at least 100 beds", "at least 100 beds", True),
        ("at least 100 beds", "at least 200 beds", False),
        ("up to 30%", "up to 50%", True),
        ("16.4%", "16.4 percent", True),
        ("16.4%", "16.4 percentage points", False),  # percent is not percentage points
        ("ten drugs", "10 drugs", True),
        ("three years", "five years", False),
    ],
)
def test_implication(evidence, claim, implied):
    assert one(evidence).implies(one(claim)) is implied


def test_digits_inside_names_are_not_figures():
    for text in ("p53 and B12", "HNF4A", "CED-10 and COVID-19", "6MP", "5'-nucleotidase", "G20 members"):
        assert read_quantities(text) == [], text
    assert [q.text for q in read_quantities("40mg/day for 2,012 firms, up 16.4%")] == ["40", "2,012", "16.4%"]


def test_a_figure_said_to_go_the_other_way_or_on_another_day_does_not_support_a_claim():
    from assistant.reasoning.verdicts import judge_figure

    def first(text: str):
        return next(q for q in read_quantities(text) if q.kind in ("percent", "month"))

    def judged(claim: str, evidence: str) -> str:
        return judge_figure(first(claim), read_quantities(evidence), lambda a, b: True)[0]

    assert judged("exports rose 3.7%", "同比下降3.7%。") == "contradicted"
    assert judged("exports fell 3.7%", "同比下降3.7%。") == "supported"
    assert judged("exports were 3.7%", "下降3.7%") == "supported"  # no direction claimed
    assert judged("in July 2025", "自2025年7月1日起施行") == "supported"  # a day of that month
    assert judged("on July 15, 2025", "自2025年7月1日起施行") == "contradicted"


@pytest.mark.parametrize(
    "claim, source, verdict",
    [
        (
            "7,035 projects",
            "超7000个",
            "not_found",
        ),  # less precise, and it fits: neither confirms nor refutes
        ("It took effect on March 1, 2025.", "in March 2025", "not_found"),
        ("2,500 firms", "2000余家", "not_found"),
        ("9,000 projects", "超7000个", "contradicted"),  # 'over 7,000' is under 8,000 as people mean it
        ("over 200 policies", "over 140 policies", "contradicted"),  # a bound states its figure
        ("at least 200 beds", "at least 100 beds", "contradicted"),
        ("over 100 policies", "over 140 policies", "supported"),
        ("150 beds", "at least 100 beds", "not_found"),
        ("a rebate of up to 45,000 yuan", "a rebate of up to 30,000 yuan", "contradicted"),  # two caps
        ("a rebate of up to 30,000 yuan", "a rebate of up to 30,000 yuan", "supported"),
        ("at least 50 beds", "at least 100 beds", "contradicted"),  # the limit a rule sets, as stated
        ("more than 100 policies", "over 140 policies", "supported"),  # a loose description: implied
    ],
)
def test_a_less_precise_source_figure_refutes_only_what_it_rules_out(claim, source, verdict):
    from assistant.reasoning.verdicts import judge_figure

    assert (
        judge_figure(read_quantities(claim)[0], read_quantities(source)[:1], lambda a, b: True)[0] == verdict
    )


@pytest.mark.parametrize("text, direction", [
    ("相比上一年增加57家", 1), ("比上一年减少57家", -1), ("累计达到4064家", 0), ("they cut 200 jobs", -1),
    ("staff were cut by 200", -1), ("it rose to 4,064 firms", 0), ("set up 2,012 enterprises", 0),
    ("a limit of £500", 0),
])  # fmt: skip
def test_a_count_or_sum_is_a_change_only_after_a_change_word(text, direction):
    assert [q.direction for q in read_quantities(text) if q.kind != "year"] == [direction]


def test_pounds_are_money_and_a_list_is_no_range():
    got = [(q.text, q.kind, q.qualifier) for q in read_quantities("two weekly rates, £61.85 and £92.40")]
    assert got == [("two", "count", ""), ("£61.85", "money:GBP", ""), ("£92.40", "money:GBP", "")]
    (between,) = read_quantities("between £5 and £10")
    assert (between.kind, between.qualifier, between.low, between.high) == ("money:GBP", "range", 5, 10)


@pytest.mark.parametrize("text, low, high", [
    ("CASCs can't charge more than £31 a week", -math.inf, 31), ("must not exceed over 5%", -math.inf, 5),
    ("it was never less than 10", 10, math.inf), ("not more than 3", -math.inf, 3),  # the qualifier's own
    ("more than 3", 3, math.inf), ("No, more than 3", 3, math.inf),  # another clause's
    ("families who don't qualify get more than £31", 31, math.inf),  # another verb's
])  # fmt: skip
def test_a_negation_before_a_bound_turns_it(text, low, high):
    (q,) = read_quantities(text)
    assert (q.low, q.high) == (low, high)


def test_a_verbs_up_to_is_a_level_not_a_cap():
    (level,) = read_quantities("storage was stepped up to 310,000 tonnes")
    assert (level.text, level.low, level.high) == ("310,000", 310000, 310000)
    (cap,) = read_quantities("a rebate of up to 30,000 yuan")
    assert (cap.qualifier, cap.high) == ("le", 30000) and math.isinf(cap.low)


def test_the_direction_lexicon_comes_from_wordnet_with_its_phrasal_verbs():
    import json

    from assistant.text.lexicon import LEXICON_PATH, join_phrases
    from assistant.text.numbers import word_direction

    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    assert "WordNet 3.0" in data["source"] and "Princeton University" in data["licence"]
    assert not set(data["up"]) & set(data["down"])
    for word, sign in [("cut", -1), ("slashed", -1), ("trimmed", -1), ("boosted", 1), ("expanded", 1),
                       ("stepped_up", 1), ("scaled_back", -1), ("ramping_up", 1), ("shrank", -1),
                       ("capacity", 0), ("full", 0), ("up", 0)]:  # fmt: skip
        assert word_direction(word) == sign, word
    assert join_phrases(["they", "stepped", "up", "their", "investment"]) == [
        "they", "stepped_up", "their", "investment"]  # fmt: skip


def test_chinese_words_of_change_come_from_cc_cedict_read_through_the_lexicon():
    import json

    from assistant.text.lexicon import LEXICON_PATH
    from assistant.text.numbers import read_quantities

    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    assert "CC-CEDICT" in data["chinese_source"] and "ShareAlike" in data["chinese_licence"]
    assert {"扩大", "增加", "提高"} <= set(data["chinese_up"]) and {"缩小", "削减", "降低"} <= set(
        data["chinese_down"]
    )
    assert not {"调整", "统计", "牧羊"} & (set(data["chinese_up"]) | set(data["chinese_down"]))
    for text, direction in [("研发投入扩大12%。", 1), ("经营规模缩小了8%。", -1),
                            ("据统计，新设企业127家。", 0), ("缩减至40家", 0)]:  # fmt: skip
        assert [q.direction for q in read_quantities(text)] == [direction], text


def test_last_year_and_qu_nian_are_placed_by_the_documents_date():
    from assistant.text.numbers import in_period, relative_years

    assert relative_years("Exports grew last year; this year they slow.", "2025-02-10") == {"2024", "2025"}
    # 上年 is the year before the statement's, not read here
    assert relative_years("去年进出口增长5%，比上年提高0.4个百分点。", "2025-03-01") == {"2024"}
    assert relative_years("last year", "") == set()
    # a comparison with last year states this year's figure
    assert relative_years("1-6月，全市地区生产总值比去年同期增长5.3%", "2025-07-20") == set()
    assert relative_years("Exports were 5% higher than last year.", "2025-07-20") == set()
    assert in_period("2024", "Exports grew 5% last year.", "Review", "2025-02-10")
    assert not in_period("2023", "Exports grew 5% last year.", "Review", "2025-02-10")
