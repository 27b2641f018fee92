"""Chinese text in keyword search: character unigrams and bigrams, so a word is found inside a longer run."""

from __future__ import annotations

import json

import pytest
from helpers import DATA, SEED

from assistant import Assistant
from assistant.index.keyword import TOKENIZER_VERSION, Tokenizer


def test_chinese_runs_become_unigrams_and_bigrams_beside_english_and_numbers():
    tokens = Tokenizer()("清溪自由贸易试验区2024年新设外商投资企业318家")
    assert tokens[:6] == ["清", "溪", "清溪", "自", "溪自", "由"]
    assert {"外商", "投资", "企业", "2024", "318", "家"} <= set(tokens)
    assert "年新设外商投资企业" not in tokens  # the old whole-run token that no query could match
    assert Tokenizer()("Beijing 外资 firms, 2,012 家") == ["beij", "外", "资", "外资", "firm", "2012", "家"]


def test_a_chinese_word_finds_the_chinese_document(tmp_path, fake_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt"])
    hits = a.keyword.search("外商投资企业", k=3)
    assert hits and hits[0][2]["doc_id"].endswith("synthetic_gb18030_notice.txt")


def test_a_side_index_saved_by_another_tokenizer_is_rebuilt(tmp_path, fake_embedder, caplog):
    import logging

    Assistant(index_dir=tmp_path / "index", embedder=fake_embedder).ingest(
        [DATA / "synthetic_gb18030_notice.txt"]
    )
    meta_path = tmp_path / "index" / "bm25" / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["tokenizer"] == TOKENIZER_VERSION
    meta["tokenizer"] = TOKENIZER_VERSION - 1
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    fresh = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    with caplog.at_level(logging.INFO, logger="assistant.index.keyword"):
        fresh.keyword.ensure()
    assert "rebuilt BM25 side index" in caplog.text
    assert fresh.keyword.search("外商投资企业", k=1)


def test_chinese_figures_are_read_with_their_units_and_qualifiers():
    from assistant.text.numbers import cn_number, read_quantities

    def read(text):
        return [(q.text, q.kind, q.value, q.qualifier) for q in read_quantities(text)]

    assert read("2024年北京新设外资企业2012家，同比增长16.4%，高于全国平均6.5个百分点。") == [
        ("2024年", "year", 2024.0, ""), ("2012家", "count", 2012.0, ""), ("16.4%", "percent", 16.4, ""),
        ("6.5个百分点", "pp", 6.5, "")]  # fmt: skip
    assert read("超过7000个") == [("超过7000个", "count", 7000.0, "gt")]
    assert read("吸引外资企业2000余家") == [("2000余家", "count", 2000.0, "gt")]  # 余: more than
    assert read("实际使用外资约1.5亿美元") == [("约1.5亿美元", "money:USD", 1.5e8, "about")]
    assert read("12万人左右") == [("12万人左右", "count", 1.2e5, "about")]
    assert read("百分之十六点四") == [("百分之十六点四", "percent", 16.4, "")]
    assert read("第3批") == [("第3批", "ordinal", 3.0, "")]
    assert read("这十分重要") == [] and read("一个项目") == []  # 十分 is "very"; 一个 is "a"
    assert read("an implementation rate exceeding 86%") == [("exceeding 86%", "percent", 86.0, "gt")]
    assert (cn_number("两千零一十二"), cn_number("二〇二四"), cn_number("十六点四")) == (2012, 2024, 16.4)


def test_a_chinese_claim_is_checked_against_a_chinese_document(tmp_path, fake_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt"])
    wrong = a.check("清溪自由贸易试验区2024年新设外商投资企业400家。")
    assert wrong.verdict == "contradicted" and wrong.parts[0].evidence == "318家"
    right = a.check("清溪自由贸易试验区2024年新设外商投资企业超过300家。")
    assert right.verdict == "supported" and "318家" in right.citations[0].quote


def test_the_chinese_semicolon_ends_a_sentence():
    from assistant.text.chunking import sentence_spans

    text = "新设外资企业318家；同比增长12.5%。"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["新设外资企业318家；", "同比增长12.5%。"]


@pytest.mark.slow
def test_a_chinese_question_is_answered_from_terms_with_an_english_embedder(tmp_path, real_embedder):
    """The bundled MiniLM cannot read Chinese: the answer ranks sentences by the question's terms, quotes
    the one holding the figure first, and is hedged (closest passages) with the measured confidence."""
    from assistant.reasoning.answer import TERMS_ONLY_PRECISION

    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt"])
    answer = a.ask("清溪自由贸易试验区2024年新设外商投资企业多少家？")
    assert answer.outcome == "closest" and not answer.abstained
    assert "318家" in answer.citations[0].quote and "synthetic_gb18030" in answer.citations[0].doc_id
    assert answer.confidence == TERMS_ONLY_PRECISION
    english = a.ask("How many foreign-funded enterprises were established in Beijing in 2024?")
    assert english.outcome == "answer" and "2,012" in english.text  # English questions still use the selector


def test_a_chinese_claim_is_not_checked_against_a_look_alike_document(tmp_path, fake_embedder):
    """Two synthetic notices with the same wording and different places and figures (清溪 318家, 云岭 412家):
    each claim is judged by its own place's sentence, and a claim about a place no Chinese document names
    (北京) is not contradicted by either."""
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    a.ingest([SEED, DATA / "synthetic_gb18030_notice.txt", DATA / "synthetic_yunling_notice.txt"])
    yunling = a.check("云岭经济开发区2024年新设外商投资企业318家。")
    assert yunling.verdict == "contradicted" and yunling.parts[0].evidence == "412家"
    assert "yunling" in yunling.citations[0].doc_id
    qingxi = a.check("清溪自由贸易试验区2024年新设外商投资企业400家。")
    assert qingxi.verdict == "contradicted" and qingxi.parts[0].evidence == "318家"
    assert a.check("云岭经济开发区2024年新设外商投资企业超过400家。").verdict == "supported"
    assert a.check("2024年北京新设外资企业2500家。").verdict == "not_found"
