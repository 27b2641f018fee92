"""Keeping the index in step with the files: real embedded Chroma, deterministic fake embedder."""

from __future__ import annotations

import shutil

import pytest
from helpers import DATA, SEED, make_pdf

from assistant import Assistant
from assistant.models import AssistantError


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "policies"
    root.mkdir()
    shutil.copy(SEED, root / SEED.name)
    shutil.copy(DATA / "synthetic_zone_notice.md", root)
    shutil.copy(DATA / "synthetic_zone_page.html", root)
    return root


@pytest.fixture
def assistant(fake_embedder):
    return Assistant(embedder=fake_embedder)


def chunk_ids(a: Assistant) -> list[str]:
    return sorted(i for ids, _, _ in a.store.iter_chunks() for i in ids)


def sentence_keys(a: Assistant) -> set[tuple[str, int, int]]:
    """(chunk id, start, end) of every stored sentence vector (the title's span included)."""
    stored = a.store.sentence_vectors(chunk_ids(a))
    return {(cid, start, end) for cid, spans in stored.items() for start, end in spans}


def expected_sentences(a: Assistant) -> set[tuple[str, int, int]]:
    from assistant.index.store import TITLE_SPAN
    from assistant.text.chunking import sentence_spans

    return {(i, x, y) for ids, texts, _ in a.store.iter_chunks() for i, t in zip(ids, texts, strict=True)
            for x, y in sentence_spans(t) + [TITLE_SPAN]}  # fmt: skip


def test_every_sentence_of_every_chunk_has_its_vector_and_no_other_remains(assistant, folder):
    assistant.ingest([folder])
    assert sentence_keys(assistant) == expected_sentences(assistant)
    md = folder / "synthetic_zone_notice.md"
    md.write_text(md.read_text().replace("37 green bond pilots", "41 blue bond pilots"))
    assistant.ingest([folder])
    assistant.remove(f"policies/{SEED.name}")
    assert sentence_keys(assistant) == expected_sentences(assistant)
    assert assistant.store._sentences.count() == len(chunk_ids(assistant))  # one packed row a chunk


def test_ingest_twice_is_unchanged(assistant, folder):
    first = assistant.ingest([folder])
    assert len(first.added) == 3 and not first.failed
    count = assistant.chunk_count()
    second = assistant.ingest([folder])
    assert second.added == [] and second.updated == [] and len(second.unchanged) == 3
    assert assistant.chunk_count() == count


def test_edit_replaces_old_chunks(assistant, folder):
    assistant.ingest([folder])
    md = folder / "synthetic_zone_notice.md"
    md.write_text(md.read_text().replace("37 green bond pilots", "41 blue bond pilots"))
    report = assistant.ingest([folder])
    assert report.updated == ["policies/synthetic_zone_notice.md"] and len(report.unchanged) == 2
    passages = " ".join(h.passage for h in assistant.search("green bond pilots Maple Bay", k=20))
    assert "41 blue bond pilots" in passages and "37 green bond pilots" not in passages
    docs = {d.doc_id: d for d in assistant.documents()}
    assert len(chunk_ids(assistant)) == sum(d.chunks for d in docs.values())


def test_prune_and_remove(assistant, folder):
    assistant.ingest([folder])
    (folder / "synthetic_zone_page.html").unlink()
    assert assistant.ingest([folder]).removed == []  # without --prune nothing goes
    report = assistant.ingest([folder], prune=True)
    assert report.removed == ["policies/synthetic_zone_page.html"]
    assert assistant.remove("policies/synthetic_zone_notice.md") is True
    assert assistant.remove("policies/synthetic_zone_notice.md") is False
    assert [d.doc_id for d in assistant.documents()] == [f"policies/{SEED.name}"]
    assert all(
        h.doc_id == f"policies/{SEED.name}" for h in assistant.search("green bond Orchard Valley", k=10)
    )


def test_bad_files_fail_alone_and_nothing_is_lost(assistant, folder, tmp_path):
    assistant.ingest([folder])
    before = chunk_ids(assistant)
    bad = tmp_path / "mixed"
    bad.mkdir()
    shutil.copy(DATA / "synthetic_cp1252_memo.txt", bad)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4 not really")
    (bad / "scanned.pdf").write_bytes(make_pdf([""]))
    (bad / "table.xlsx").write_bytes(b"synthetic")
    (bad / "huge.txt").write_text("Synthetic filler. " * 2000)
    a = Assistant(embedder=assistant.embedder, max_file_mb=0.01)
    report = a.ingest([bad, tmp_path / "missing.txt"])
    assert report.added == ["mixed/synthetic_cp1252_memo.txt"]
    reasons = {p.rsplit("/", 1)[-1]: r for p, r in report.failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "corrupt.pdf", "scanned.pdf", "table.xlsx", "huge.txt",
                            "missing.txt"}  # fmt: skip
    assert reasons["scanned.pdf"] == "no extractable text: scanned PDF? OCR is not supported"
    assert reasons["missing.txt"] == "no such file or directory"
    assert set(before) <= set(chunk_ids(a))
    again = a.ingest([folder])
    assert len(again.unchanged) == 3 and not again.failed
    assert len(a.documents()) == 4


def test_bm25_side_index_follows_another_writer(fake_embedder, folder):
    reader = Assistant(embedder=fake_embedder)
    writer = Assistant(embedder=fake_embedder)
    writer.ingest([folder / "synthetic_zone_notice.md"])
    reader.keyword.check_every = 0
    assert reader.search("green bond pilots", k=3)[0].doc_id == "policies/synthetic_zone_notice.md"
    writer.ingest([folder / "synthetic_zone_page.html"])
    hits = reader.search("renewable power operators", k=3)
    assert hits[0].doc_id == "policies/synthetic_zone_page.html"
    assert reader.keyword.fingerprint == writer.store.fingerprint()


def test_bm25_side_index_is_persisted_and_reloaded(fake_embedder, folder, caplog):
    import logging

    Assistant(embedder=fake_embedder).ingest([folder])
    fresh = Assistant(embedder=fake_embedder)
    with caplog.at_level(logging.DEBUG, logger="assistant.index.keyword"):
        snap = fresh.keyword.ensure()
    assert "loaded BM25 side index" in caplog.text and "rebuilt" not in caplog.text  # read back, not rebuilt
    assert snap.retriever is not None and len(snap.ids) == fresh.chunk_count()
    assert fresh.search("green bond pilots", k=1)[0].doc_id == "policies/synthetic_zone_notice.md"


def test_orphan_chunks_of_an_interrupted_write_are_swept(assistant, folder):
    assistant.ingest([folder])
    docs = assistant.store.documents()
    victim = f"policies/{SEED.name}"
    assistant.store._docs.delete(ids=[victim])  # as if killed after chunks were written, before the record
    assert assistant.store.sweep_orphans() == docs[victim].chunks
    assert assistant.store._sentences.count() == len(chunk_ids(assistant))  # one packed row a chunk
    report = assistant.ingest([folder])
    assert report.added == [victim]
    assert len(chunk_ids(assistant)) == sum(d.chunks for d in assistant.documents())
    assert sentence_keys(assistant) == expected_sentences(assistant)


def test_filters(assistant, folder):
    assistant.ingest([folder])
    hits = assistant.search("pilots zone investment", k=10, filters={"date_from": "2025-01-01"})
    assert hits and {h.date for h in hits} == {"2025-03-01"}
    hits = assistant.search("pilots zone investment", k=10, filters={"source": "synthetic.example"})
    assert {h.doc_id for h in hits} == {"policies/synthetic_zone_notice.md"}
    with pytest.raises(AssistantError, match="valid filters"):
        assistant.search("x", filters={"colour": "red"})


@pytest.mark.parametrize("query", ["", "   ", "?!...", "x" * 5000])
def test_bad_queries_get_clear_messages(assistant, query):
    with pytest.raises(AssistantError, match="question"):
        assistant.search(query)
