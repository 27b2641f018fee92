"""Chunker: exact offsets, sentence boundaries, the model's token budget, sentence overlap."""

from __future__ import annotations

import pytest
from helpers import EVAL_EXTRA, SEED, load

from assistant.index.embeddings import bundled_model_dir
from assistant.models import Document
from assistant.text.chunking import (
    Chunker,
    is_list_item,
    sentence_spans,
    unwrap_chinese,
    whitespace_counter,
    wordpiece_counter,
)
from assistant.text.normalise import normalise


@pytest.fixture(scope="module")
def counter():
    return wordpiece_counter(bundled_model_dir())


def sentences(text):
    return [text[a:b] for a, b in sentence_spans(text)]


def test_abbreviations_and_decimals_do_not_end_sentences():
    text = "Dr. Lin met Mr. Wu in Nov. 2023 at No. 5 Road. They paid 3.5 million yuan, i.e. a lot! Next."
    assert sentences(text) == [
        "Dr. Lin met Mr. Wu in Nov. 2023 at No. 5 Road.",
        "They paid 3.5 million yuan, i.e. a lot!",
        "Next.",
    ]


def test_paragraphs_lists_and_chinese():
    text = "Heading\n\nFirst point:\n- one item\n- two item\n合成句子一。合成句子二！"
    assert sentences(text) == [
        "Heading",
        "First point:",
        "- one item",
        "- two item",
        "合成句子一。",
        "合成句子二！",
    ]


def test_hard_wrapped_chinese_is_rejoined_and_its_items_kept_apart():
    """Synthetic notice text broken at a fixed width, as PDF text layers and exported text files are: the
    figure 2% stays with its sentence; the title, the signature and each item stay lines of their own."""
    text = normalise(
        "松河高新技术产业开发区关于支持外商投资企业发展的若干措施（合成）\n"
        "一、新设外商投资企业，实际到资金额达到1000万美元以上的，按实际到资金额的2\n"
        "%给予一次性奖励，最高不超过500万元人民币。\n"
        "二、外商投资企业在开发区内新设研发中心，经认定后给予200万元人民币资助；被认\n"
        "定为国家级研发中心的，资助提高至300万元人民币。\n"
        "三、申请企业须满足以下条件：\n（一）在开发区依法注册；\n（二）近三年内无重大违法违规记录。\n"
        "松河高新区管理委员会\n2025年2月10日"
    )
    got = sentences(unwrap_chinese(text))
    assert got[0] == "松河高新技术产业开发区关于支持外商投资企业发展的若干措施(合成)"
    assert got[1] == ("一、新设外商投资企业,实际到资金额达到1000万美元以上的,按实际到资金额的2%给予"
                      "一次性奖励,最高不超过500万元人民币。")  # fmt: skip
    assert got[2].endswith("资助;被认定为国家级研发中心的,资助提高至300万元人民币。")  # ；joins clauses
    items = ["三、申请企业须满足以下条件:", "(一)在开发区依法注册;", "(二)近三年内无重大违法违规记录。"]
    assert got[-5:] == [*items, "松河高新区管理委员会", "2025年2月10日"]
    assert all(is_list_item(x) for x in ("一、新设", "(二)近三年", "3、材料", "第十二条 本办法"))
    assert unwrap_chinese("The zone admitted\n18 operators.") == "The zone admitted\n18 operators."


def test_offsets_hold_and_budget_is_kept_on_real_documents(counter):
    chunker = Chunker(counter, max_tokens=120, overlap_sentences=1)
    for path in [SEED, *sorted(EVAL_EXTRA.glob("*.txt"))]:
        doc = load(path)
        chunks = chunker.split(doc)
        assert chunks, path
        covered = set()
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert counter([c.text])[0] <= 120 + 5  # joining sentences may add a piece or two
            covered.update(range(c.start, c.end))
        words = {i for i, ch in enumerate(doc.text) if not ch.isspace()}
        assert words <= covered, "text lost between chunks"


def test_overlap_repeats_one_sentence():
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    doc = Document(doc_id="d", text=text)
    chunks = Chunker(whitespace_counter, max_tokens=15, overlap_sentences=1).split(doc)
    assert len(chunks) > 2
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end  # the next chunk starts inside the previous one
        last_sentence = a.text.rsplit(". ", 1)[-1]
        assert b.text.startswith(last_sentence)


def test_overlong_sentence_is_cut_at_words():
    text = "word " * 500 + "end."
    doc = Document(doc_id="d", text=text.strip())
    chunks = Chunker(whitespace_counter, max_tokens=100, overlap_sentences=0).split(doc)
    assert len(chunks) == 6
    assert all(len(c.text.split()) <= 100 for c in chunks)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_constructor_validates():
    with pytest.raises(ValueError, match="max_tokens"):
        Chunker(whitespace_counter, max_tokens=2)


def test_a_markdown_heading_is_one_sentence_of_its_own():
    from assistant.text.chunking import is_heading

    text = (
        "Intro.\n\n## 2. How much the grant pays\n\nThe grant pays up to 9,000 pounds. It is paid once.\n"
        "A long line of text that goes on and on without any punctuation at its end at all\n## Eligibility\n"
        "You qualify."
    )
    pieces = [text[a:b] for a, b in sentence_spans(text)]
    assert [p for p in pieces if is_heading(p)] == ["## 2. How much the grant pays", "## Eligibility"]
    assert "You qualify." in pieces and not any("#" in p for p in pieces if not is_heading(p))
