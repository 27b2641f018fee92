"""Property tests: arbitrary Unicode never crashes the header parser, the chunker or the quantity reader,
and the chunker's offsets always hold with no text lost between chunks."""

from __future__ import annotations

import os
import re
from typing import get_args

from hypothesis import example, given, settings
from hypothesis import strategies as st

from assistant.models import AnswerType, Document
from assistant.reasoning.questions import rewrite
from assistant.reasoning.selection import answer_type, split_situation
from assistant.text.chunking import Chunker, sentence_spans, whitespace_counter
from assistant.text.documents import normalise_date, split_header
from assistant.text.normalise import normalise
from assistant.text.numbers import read_quantities
from assistant.text.readers import decode_text

FAST = os.environ.get("TEST_FAST") == "1"


def examples(n: int) -> int:
    """Fewer generated cases in `make test-fast` (TEST_FAST=1); all of them in `make test`."""
    return max(20, n // 8) if FAST else n


TEXT = st.text(st.characters(codec="utf-8"), max_size=600)
PROSE = st.lists(
    st.one_of(
        st.sampled_from(
            ["Dr.", "No. 5", "2,012", "16.4%", "\n", "\n\n", "。", "!", "?", " ", "- ", "1. ", "«", "\u00a0"]
        ),
        st.text(max_size=30),
    ),
    max_size=80,
).map("".join)


@settings(max_examples=examples(200), deadline=None)
@given(TEXT)
def test_header_parser_and_normaliser_never_crash(text):
    meta, body = split_header(normalise(text))
    assert isinstance(meta, dict) and isinstance(body, str)
    date = normalise_date(text[:40])
    assert date == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", date)


@settings(max_examples=examples(200), deadline=None)
@given(st.one_of(TEXT, PROSE), st.integers(min_value=8, max_value=60), st.integers(min_value=0, max_value=3))
def test_chunker_offsets_hold_and_nothing_is_lost(text, max_tokens, overlap):
    text = normalise(text)
    doc = Document(doc_id="d", text=text)
    chunks = Chunker(whitespace_counter, max_tokens=max_tokens, overlap_sentences=overlap).split(doc)
    covered = set()
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        covered.update(range(c.start, c.end))
    assert {i for i, ch in enumerate(text) if not ch.isspace()} <= covered
    for a, b in sentence_spans(text):
        assert 0 <= a < b <= len(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(TEXT, PROSE))
def test_quantity_reader_never_crashes_and_offsets_hold(text):
    for q in read_quantities(text):
        assert text[q.start : q.end] == q.text
        assert q.low <= q.high


@settings(max_examples=examples(100), deadline=None)
@given(st.binary(max_size=400))
def test_decoder_either_decodes_or_says_binary(data):
    from assistant.models import InputError

    try:
        assert isinstance(decode_text(data), str)
    except InputError as exc:
        assert "binary" in str(exc)


@settings(max_examples=examples(100), deadline=None)
@given(TEXT, TEXT)
@example("!㐀", "")  # a Chinese sentence may end at ! inside a run with no spaces
def test_question_reading_never_crashes(question, previous):
    assert answer_type(question) in get_args(AnswerType)
    query = split_situation(question)
    assert all(word in question for word in query.question.split())  # nothing invented
    assert all(word in question for word in query.situation.split())
    assert isinstance(rewrite(question, [(previous, "")]), str)
