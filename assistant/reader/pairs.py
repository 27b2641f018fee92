"""How a (question or claim, sentence) pair becomes model input: one function for fitting and reading, so
both see the same tokens. The sentence keeps up to `SENTENCE_TOKENS` word pieces; the query gets the rest
and keeps its end, where a situation-then-question text puts the question."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_TOKENS = 128
SENTENCE_TOKENS = 72
LABELS = ("neither", "supports", "contradicts")


def load_tokenizer(path):
    """The word-piece tokenizer (tokenizer.json), without padding or truncation of its own."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def encode_pairs(tokenizer, queries: Sequence[str], sentences: Sequence[str], max_tokens: int = MAX_TOKENS,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """input_ids, attention_mask, token_type_ids (int64, padded to the longest pair) of `[CLS] query [SEP]
    sentence [SEP]`."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q_ids = [e.ids for e in tokenizer.encode_batch(list(queries), add_special_tokens=False)]
    s_ids = [e.ids for e in tokenizer.encode_batch(list(sentences), add_special_tokens=False)]
    rows = []
    for q, s in zip(q_ids, s_ids, strict=True):
        s = s[: max(SENTENCE_TOKENS, max_tokens - 3 - len(q))]
        room = max_tokens - 3 - len(s)
        q = q[-room:] if room > 0 else []
        rows.append(([cls, *q, sep], [*s, sep]))
    width = max(len(a) + len(b) for a, b in rows) if rows else 0
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, (a, b) in enumerate(rows):
        n = len(a) + len(b)
        ids[i, :n] = a + b
        mask[i, :n] = 1
        types[i, len(a) : n] = 1
    return ids, mask, types
