"""Keeping the index in step with the files: real embedded Chroma, deterministic fake embedder."""

from __future__ import annotations

import shutil

import pytest
from helpers import DATA, SEED, make_pdf

from assistant import Assistant
from assistant.index.embeddings import HashEmbedder
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
    from assistant.models import TITLE_SPAN
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


def test_an_index_written_before_frames_gets_them_on_the_next_ingest(assistant, folder):
    """Chunks stored without sentence frames (an older index) gain them when their unchanged documents are
    ingested again; text and vectors stay."""
    assistant.ingest([folder])
    store = assistant.store
    got = store._chunks.get(include=["metadatas", "embeddings"])
    framed = {i: m["frames"] for i, m in zip(got["ids"], got["metadatas"], strict=True)}
    assert all(framed.values())
    old = [m | {"frames": "", "subject": ""} for m in got["metadatas"]]
    store._chunks.update(ids=got["ids"], metadatas=old)
    docs = store._docs.get(include=["metadatas"])
    store._docs.update(ids=docs["ids"], metadatas=[m | {"framed": 0} for m in docs["metadatas"]])
    assert not any(h.frames for h in assistant.search("green bond pilots", k=5))
    assert not any(info.framed for info in store.documents().values())

    # a chunk cut by another version of the reader: offsets into today's text would frame other sentences
    k = next(k for k, m in enumerate(got["metadatas"]) if m["doc_id"].endswith(".html"))
    page = got["ids"][k]
    store._chunks.update(ids=[page], documents=["Text as an older reader read it."],
                         embeddings=[got["embeddings"][k]])  # fmt: skip

    again = assistant.ingest([folder])
    assert len(again.unchanged) == 3 and not again.added and not again.updated and not again.failed
    after = store._chunks.get(include=["metadatas", "embeddings"])
    now = {i: m["frames"] for i, m in zip(after["ids"], after["metadatas"], strict=True)}
    assert all(now[i] == framed[i] for i in framed if not i.startswith(page.split("::")[0]))
    assert not now[page]
    assert (after["embeddings"] == got["embeddings"]).all()
    assert [info.framed for info in store.documents().values()].count(True) == 2


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
    assert assistant.remove("policies/synthetic_zone_notice.md").removed == [
        "policies/synthetic_zone_notice.md"
    ]
    assert not assistant.remove("policies/synthetic_zone_notice.md")
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


# Document identity: two files never share a doc_id, one content is stored once, any ingested path removes.

NOTICE_A = "Synthetic test notice. The Alder Cove office approved 14 solar grants in 2024."
NOTICE_B = "Synthetic test notice. The Birch Hollow office approved 61 tram depots in 2024."


def _notice(folder, text: str, name: str = "notice.txt"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@pytest.mark.slow
def test_two_files_with_one_name_in_two_folders_are_both_kept_and_both_answer(real_embedder, tmp_path):
    a_file = _notice(tmp_path / "a" / "docs", NOTICE_A)
    b_file = _notice(tmp_path / "b" / "docs", NOTICE_B)
    a = Assistant(embedder=real_embedder)
    first, second = a.ingest([a_file]), a.ingest([b_file])
    assert first.added == ["docs/notice.txt"] and second.added == ["b/docs/notice.txt"] and not second.updated
    paths = {"docs/notice.txt": str(a_file.resolve()), "b/docs/notice.txt": str(b_file.resolve())}
    assert {d.doc_id: d.path for d in a.documents()} == paths
    asked = [
        ("How many solar grants did Alder Cove approve?", "docs/notice.txt", "14"),
        ("How many tram depots did Birch Hollow approve?", "b/docs/notice.txt", "61"),
    ]
    for question, doc_id, figure in asked:
        answer = a.ask(question)
        assert not answer.abstained and answer.citations[0].doc_id == doc_id and figure in answer.text
    again = a.ingest([b_file, tmp_path / "a" / "docs"])  # a re-ingest keeps each file's doc_id
    assert sorted(again.unchanged) == ["b/docs/notice.txt", "docs/notice.txt"] and not again.added


def test_a_new_file_never_takes_a_stored_documents_id(assistant, tmp_path):
    ids = [assistant.ingest([_notice(tmp_path / p / "docs", NOTICE_A + f" Copy {n}.")]).added[0]
           for n, p in enumerate(["x/a", "y/a", "z"])]  # fmt: skip
    assert ids == ["docs/notice.txt", "a/docs/notice.txt", "z/docs/notice.txt"]
    assert assistant.ingest([tmp_path / "y" / "a"]).unchanged == ["a/docs/notice.txt"]  # a folder: same file


def test_the_same_file_under_two_paths_is_stored_once(assistant, tmp_path):
    one = _notice(tmp_path / "one", NOTICE_A)
    two = _notice(tmp_path / "two", NOTICE_A, name="copy.txt")
    first = assistant.ingest([tmp_path / "one"])
    count = assistant.chunk_count()
    second = assistant.ingest([tmp_path / "two"])
    assert first.added == ["one/notice.txt"] and second.unchanged == ["one/notice.txt"] and not second.added
    assert assistant.chunk_count() == count
    [doc] = assistant.documents()
    assert doc.paths == (str(one.resolve()), str(two.resolve()))
    both = assistant.ingest([tmp_path / "one", tmp_path / "two"])  # nothing changes on a re-ingest
    assert both.unchanged == ["one/notice.txt"] and not both.added and assistant.chunk_count() == count
    two.write_text(NOTICE_B, encoding="utf-8")  # the copy changed: it becomes a document of its own
    third = assistant.ingest([tmp_path / "two"])
    assert third.added == ["two/copy.txt"]
    assert {d.doc_id: d.paths for d in assistant.documents()} == {
        "one/notice.txt": (str(one.resolve()),), "two/copy.txt": (str(two.resolve()),)}  # fmt: skip


def test_a_changed_document_does_not_take_its_copies_with_it(assistant, tmp_path):
    one = _notice(tmp_path / "one", NOTICE_A)
    _notice(tmp_path / "two", NOTICE_A)
    assistant.ingest([tmp_path / "one", tmp_path / "two"])
    one.write_text(NOTICE_B, encoding="utf-8")
    report = assistant.ingest([one])  # the copy at two/ still holds the old text, and is indexed on its own
    assert report.updated == ["one/notice.txt"] and report.added == ["two/notice.txt"]
    passages = {h.doc_id: h.passage for h in assistant.search("approved grants depots", k=5)}
    assert "Alder Cove" in passages["two/notice.txt"] and "Birch Hollow" in passages["one/notice.txt"]


def test_remove_takes_a_path_a_folder_or_a_doc_id(assistant, tmp_path):
    one = _notice(tmp_path / "one", NOTICE_A)
    two = _notice(tmp_path / "two", NOTICE_A)
    other = _notice(tmp_path / "one" / "sub", NOTICE_B, name="other.txt")
    assistant.ingest([tmp_path / "one", two])
    assert {d.doc_id for d in assistant.documents()} == {"one/notice.txt", "one/sub/other.txt"}
    report = assistant.remove(str(one))  # its copy at two/ stays: the document moves there
    assert report.unlisted == [(str(one.resolve()), "one/notice.txt")] and not report.removed
    assert {d.doc_id: d.paths for d in assistant.documents()}["one/notice.txt"] == (str(two.resolve()),)
    assert assistant.remove(str(two)).removed == ["one/notice.txt"]
    assert assistant.remove(str(tmp_path / "one")).removed == ["one/sub/other.txt"]  # a folder: all under it
    assert assistant.documents() == [] and assistant.chunk_count() == 0
    assert not assistant.remove(str(other))
    assistant.ingest([other])
    assert assistant.remove("sub/other.txt").removed == ["sub/other.txt"]


def test_prune_unlists_a_vanished_copy_and_keeps_the_document(assistant, tmp_path):
    one = _notice(tmp_path / "one", NOTICE_A)
    two = _notice(tmp_path / "two", NOTICE_A)
    assistant.ingest([tmp_path / "one", tmp_path / "two"])
    two.unlink()
    assert assistant.ingest([tmp_path / "two"], prune=True).removed == []
    assert [d.paths for d in assistant.documents()] == [(str(one.resolve()),)]
    one.unlink()
    assert assistant.ingest([tmp_path / "one"], prune=True).removed == ["one/notice.txt"]


OLD_INDEX = DATA / "index_before_ids"  # built by the code before document identity (see its README)


@pytest.mark.slow
def test_an_index_built_before_document_identity_keeps_every_document(real_embedder, tmp_path, monkeypatch):
    index = tmp_path / "old-index"
    shutil.copytree(OLD_INDEX, index)
    a = Assistant(index_dir=index, embedder=real_embedder)
    expected = {
        "policies/synthetic_zone_notice.md",
        "policies/synthetic_yunling_notice.txt",
        "policies/guides/apprentice_travel_grant.md",
        "lone/synthetic_qingxi_2023_notice.txt",
    }
    assert {d.doc_id for d in a.documents()} == expected
    answer = a.ask("How many green bond pilots did the Maple Bay Finance Office approve?")
    assert "37" in answer.text and answer.citations[0].doc_id == "policies/synthetic_zone_notice.md"
    # The same files in a folder of another name and place: recognised by content, nothing stored twice.
    moved = tmp_path / "moved" / "policies"
    (moved / "guides").mkdir(parents=True)
    for name in ("synthetic_zone_notice.md", "synthetic_yunling_notice.txt"):
        shutil.copy(DATA / name, moved)
    shutil.copy(DATA / "synthetic_guides" / "apprentice_travel_grant.md", moved / "guides")
    chunks = a.chunk_count()
    report = a.ingest([moved])
    assert not report.added and not report.updated and not report.failed
    assert set(report.unchanged) == expected - {"lone/synthetic_qingxi_2023_notice.txt"}
    assert {d.doc_id for d in a.documents()} == expected and a.chunk_count() == chunks
    notice = moved / "synthetic_zone_notice.md"
    notice.write_text(notice.read_text().replace("37 green bond pilots", "41 blue bond pilots"))
    assert a.ingest([moved]).updated == ["policies/synthetic_zone_notice.md"]
    assert a.remove(str(moved / "guides")).removed == ["policies/guides/apprentice_travel_grant.md"]


def test_a_copy_read_before_its_changed_document_is_still_indexed(assistant, tmp_path):
    one = _notice(tmp_path / "one", NOTICE_A)
    _notice(tmp_path / "two", NOTICE_A)
    assistant.ingest([tmp_path / "one", tmp_path / "two"])
    one.write_text(NOTICE_B, encoding="utf-8")
    report = assistant.ingest([tmp_path / "two", tmp_path / "one"])  # two/ read first, as a listed copy
    assert (
        report.updated == ["one/notice.txt"] and report.added == ["two/notice.txt"] and not report.unchanged
    )
    passages = {h.doc_id: h.passage for h in assistant.search("approved grants depots", k=5)}
    assert "Alder Cove" in passages["two/notice.txt"] and "Birch Hollow" in passages["one/notice.txt"]


def test_a_relative_path_is_read_where_it_is_typed(assistant, tmp_path, monkeypatch):
    _notice(tmp_path / "a" / "docs", NOTICE_A)
    _notice(tmp_path / "b" / "docs", NOTICE_B)
    monkeypatch.chdir(tmp_path / "a")
    assert assistant.ingest(["docs/notice.txt"]).added == ["docs/notice.txt"]
    monkeypatch.chdir(tmp_path / "b")
    assert assistant.ingest(["docs/notice.txt"]).added == ["b/docs/notice.txt"]
    assert assistant.remove("docs/notice.txt").removed == ["b/docs/notice.txt"]  # b's file, not a's doc_id
    assert assistant.remove("docs/notice.txt", by="doc_id").removed == ["docs/notice.txt"]


def test_prune_keeps_files_that_are_still_there(assistant, tmp_path):
    readme = _notice(tmp_path / "r", NOTICE_A, name="README.md")  # a folder ingest skips READMEs
    _notice(tmp_path / "r", NOTICE_B)
    assistant.ingest([readme])
    report = assistant.ingest([tmp_path / "r"], prune=True)
    assert report.removed == [] and report.added == ["r/notice.txt"]


def test_one_file_stored_twice_by_an_older_index_is_merged(assistant, tmp_path):
    from assistant.index.ingest import Ingestor, _Pending
    from assistant.models import IngestReport
    from assistant.text.documents import Source, parse, read_bytes

    file = _notice(tmp_path / "x" / "docs", NOTICE_A)
    assistant.ingest([tmp_path / "x"])  # x/docs/notice.txt
    source = Source(spec=str(file.resolve()), doc_id="docs/notice.txt")  # as the old code stored a lone file
    data, ext = read_bytes(source, 10**6, 5)
    doc = parse(source, data, ext)
    ingestor = Ingestor(assistant.settings, assistant.store, assistant.embedder, assistant.keyword)
    with assistant.store.writing():
        ingestor._flush([_Pending(doc, ingestor.chunker.split(doc), False)], IngestReport())
    assert len(assistant.documents()) == 2
    file.write_text(NOTICE_B, encoding="utf-8")
    report = assistant.ingest([tmp_path / "x"])
    assert report.removed == ["x/docs/notice.txt"] and report.updated == ["docs/notice.txt"]
    passages = " ".join(h.passage for h in assistant.search("approved grants depots", k=5))
    assert "Birch Hollow" in passages and "Alder Cove" not in passages


def test_a_url_is_not_a_folder():
    from assistant.index.ingest import _under

    assert _under("https://site.example/notice", "https://site.example/notice")
    assert not _under("https://site.example/notice/2024", "https://site.example/notice")
    assert _under("/srv/docs/a.txt", "/srv/docs") and not _under("/srv/docs2/a.txt", "/srv/docs")


def test_pooling_averages_the_token_states_inside_each_sentence():
    import numpy as np

    from assistant.index.embeddings import pool_spans

    states = np.array([[9.0, 9.0], [1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [5.0, 5.0], [7.0, 7.0]])
    offsets = [(0, 0), (0, 4), (5, 9), (11, 15), (0, 0), (0, 0)]  # [CLS] two words . one word [SEP] [PAD]
    mask = [1, 1, 1, 1, 1, 0]
    first, second, beyond = pool_spans(states, offsets, mask, [(0, 10), (11, 16), (40, 60)])
    assert np.allclose(first, [1.0, 0.0]) and np.allclose(second, [0.0, 1.0]) and beyond is None


@pytest.mark.slow
def test_pooled_sentence_vectors_come_from_the_chunks_own_pass(real_embedder, folder, tmp_path):
    """One forward pass per chunk gives its vector, as `embed` does, and one for each of its sentences."""
    import numpy as np

    texts = ["Synthetic title\nThe office approved 37 pilots. They raised 4.2 billion yuan.", "One more."]
    spans = [[(16, 46), (47, 76)], [(0, 9)]]
    vectors, pooled = real_embedder.embed_spans(texts, spans)
    assert np.allclose(vectors, real_embedder.embed(texts), atol=1e-5)
    alone = real_embedder.embed([texts[0][a:b] for a, b in spans[0]])
    assert all(float(p @ a) > 0.5 for p, a in zip(pooled[0], alone, strict=True))
    a = Assistant(index_dir=tmp_path / "pooled", embedder=real_embedder, sentence_vectors="pooled")
    a.ingest([folder])
    assert a.store.sentence_mode() == "pooled" and sentence_keys(a) == expected_sentences(a)
    assert a.answerer.model.meta["sentence_vectors"] == "pooled"  # the selector fitted on pooled vectors
    answer = a.ask("How many green bond pilots did the Maple Bay Finance Office approve?")
    assert "37" in answer.text and answer.citations[0].doc_id == "policies/synthetic_zone_notice.md"


class _Pooling(HashEmbedder):
    """A fake that can pool: a span's vector is its own text's (enough to tell the ways apart)."""

    def embed_spans(self, texts, spans):
        pooled = [list(self.embed([t[a:b] for a, b in sp])) for t, sp in zip(texts, spans, strict=True)]
        return self.embed(texts), pooled


def test_an_index_keeps_its_own_way_of_making_sentence_vectors(folder, tmp_path):
    old = Assistant(index_dir=tmp_path / "index", embedder=_Pooling(), sentence_vectors="encoded")
    assert old.store.sentence_mode() is None  # empty: nothing made yet
    old.ingest([folder])
    assert old.store.sentence_mode() == "encoded"
    later = Assistant(index_dir=tmp_path / "index", embedder=_Pooling())  # unset: the index's own
    (tmp_path / "more.md").write_text("# Synthetic test file\n\nOne more sentence about nothing real.\n")
    assert later.ingest([tmp_path / "more.md"]).added and later.store.sentence_mode() == "encoded"
    other = Assistant(index_dir=tmp_path / "index", embedder=_Pooling(), sentence_vectors="pooled")
    with pytest.raises(
        AssistantError, match="stores sentence vectors made 'encoded'; this run asks for 'pooled'"
    ):
        other.ingest([folder])
    fresh = Assistant(index_dir=tmp_path / "fresh", embedder=_Pooling(), sentence_vectors="pooled")
    fresh.ingest([folder])
    assert (
        fresh.store.sentence_mode() == "pooled" and fresh.answerer.model.meta["sentence_vectors"] == "pooled"
    )
    again = Assistant(index_dir=tmp_path / "fresh", embedder=_Pooling())  # unset: pooled, the index's own
    assert again.ingest([tmp_path / "more.md"]).added and again.store.sentence_mode() == "pooled"


def test_an_embedder_that_cannot_pool_makes_encoded_vectors_without_complaint(
    fake_embedder, folder, tmp_path
):
    for _ in range(2):  # asked for pooled twice: each time it gets (and the index keeps) what can be made
        a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder, sentence_vectors="pooled")
        a.ingest([folder])
        assert a.store.sentence_mode() == "encoded"
