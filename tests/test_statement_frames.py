"""Statement frames read from a text (text.frames): the subject and years of each sentence, and their
packing into a chunk's record."""

from __future__ import annotations

from assistant.models import Hit
from assistant.text.frames import document_subject, frame_at, frame_sentences, pack, unpack

REVIEW = """Harbor City set up 3,480 foreign-funded firms in 2024, the port authority said. Actual use of \
foreign capital reached 41.7 billion yuan. The city expects more next year.

## Lakeshore

Lakeshore, the neighbouring district, set up 1,200 firms. Its exports rose 5%.

## 2023 Results In Numbers

Output grew 4%. Eight well-known firms, including Eli Lilly, stayed. Last year the zone cut fees."""
TITLE = "Harbor City Free Trade Port Reports Record Foreign Investment"


def _frames(text: str, title: str, date: str = "") -> dict[str, tuple]:
    frames = frame_sentences(text, title, date)
    return {text[f.start : f.end][:18]: (f.subject, f.said, f.years) for f in frames}


def test_a_sentence_naming_nothing_is_about_its_headings_subject_else_its_documents():
    got = _frames(REVIEW, TITLE, "2025-02-01")
    assert document_subject(REVIEW, TITLE) == "Harbor City"
    assert got["Harbor City set up"] == ("Harbor City", True, ("2024",))
    assert got["Actual use of fore"] == ("Harbor City", False, ())
    assert got["The city expects m"] == ("Harbor City", False, ("2026",))  # next year, by the date
    assert got["Lakeshore, the nei"][0] == got["Its exports rose 5"][0] == "Lakeshore"
    # a heading in title case names nothing by its capitals; its year holds below it
    assert got["Output grew 4%."] == ("Harbor City", False, ("2023",))
    # a name after the sentence's first figure is a detail of what it counts
    assert got["Eight well-known f"][:2] == ("Harbor City", True)
    assert got["Last year the zone"] == ("Harbor City", False, ("2024",))


def test_a_chinese_notice_is_about_the_place_its_title_or_heading_names():
    title = "松河高新区2024年利用外资情况通报"
    text = (
        "全年新设外商投资企业127家。该区实际使用外资3.2亿美元。\n二、红杉新区\n"
        "去年，红杉新区新设企业40家。区内企业增长。"
    )
    got = _frames(text, title, "2025-01-10")
    assert got["全年新设外商投资企业127家。"][0] == got["该区实际使用外资3.2亿美元。"][0] == "松河高新区"
    assert got["去年，红杉新区新设企业40家。"] == ("红杉新区", True, ("2024",))
    assert got["区内企业增长。"][0] == "红杉新区"
    # a phrase after a figure is no place: 对实缴注册资本不低于200万美元的地区总部
    notice = "地区总部：对实缴注册资本不低于200万美元的地区总部，按租金的30%给予资助。"
    assert _frames(notice, "岚山区总部发展资金实施细则")[notice[:18]][0] == "岚山区"


def test_frames_travel_in_a_chunks_record_as_offsets_in_its_passage():
    frames = frame_sentences(REVIEW, TITLE)
    start = REVIEW.index("## Lakeshore")
    packed = unpack(pack(frames, start, len(REVIEW)))
    assert packed[0].start == 0 and packed[0].subject == "Lakeshore"
    assert all(REVIEW[f.start + start : f.end + start] for f in packed)
    assert unpack("") == () and unpack("not json") == ()
    hit = Hit("d", "d::1", 1.0, REVIEW[start:], start, len(REVIEW), title=TITLE, frames=packed)
    at = hit.passage.index("Its exports")
    assert frame_at(hit, at, at + 5).subject == "Lakeshore"
    alone = Hit("d", "d::1", 1.0, REVIEW[start:], start, len(REVIEW), title=TITLE)  # an older index
    assert frame_at(alone, at, at + 5).subject == "Lakeshore"


def test_where_a_frames_subject_comes_from():
    frames = {REVIEW[f.start : f.end][:18]: f.origin for f in frame_sentences(REVIEW, TITLE)}
    assert frames["Harbor City set up"] == "own" and frames["Actual use of fore"] == "document"
    assert frames["Its exports rose 5"] == "heading"
    speaker = "Mayor Li Wei said the city attracted 41.7 billion yuan."
    assert [(f.subject, f.origin) for f in frame_sentences(speaker)] == [("Mayor Li Wei", "own")]


def test_a_documents_subject_is_the_name_its_text_writes_most_that_its_title_writes():
    title = "Ferncliff visitors boost Larkspur Bay economy"
    text = "Larkspur Bay hotels filled. Guests from Ferncliff came. Larkspur Bay shops and Larkspur Bay grew."
    assert document_subject(text, title) == "Larkspur Bay"


def test_a_chinese_clause_opening_with_a_reference_names_no_place():
    from assistant.text.names import chinese_places

    assert chinese_places("全年，该区与上海市签约项目12个。") == []
    assert chinese_places("企业来自浦东新区。") == []
    assert chinese_places("上半年，青岚综合保税区完成进出口") == ["青岚综合保税区"]
    text = "全年新设企业127家。全年，该区与上海市签约项目12个。"
    assert {f.subject for f in frame_sentences(text, "松河高新区2024年利用外资情况通报")} == {"松河高新区"}
