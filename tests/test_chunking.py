"""Chunker: exact offsets, sentence boundaries, the model's token budget, sentence overlap."""

from __future__ import annotations

import pytest
from helpers import EVAL_EXTRA, SEED, load

from assistant.index.embeddings import bundled_model_dir
from assistant.models import Document
from assistant.text.chunking import Chunker, sentence_spans, whitespace_counter, wordpiece_counter


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
