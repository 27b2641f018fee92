"""Chinese text in keyword search: character unigrams and bigrams, so a word is found inside a longer run."""

from __future__ import annotations

import json

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
