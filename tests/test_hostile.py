"""Careless and hostile input: look-alike upload names, files that expand far beyond their size, many
writers on one index. Every document here is synthetic and says so in its text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, make_docx, make_pdf, run_cli

from assistant import Assistant
from assistant.models import Cancelled


def notice(folder: Path, name: str, place: str, permits: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"Synthetic {place} Permit Notice\n\nSYNTHETIC TEST DOCUMENT: {place} is a fictional place.\n\n"
        f"The {place} office issued {permits} harbour permits in 2024.\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_uploads_with_one_name_or_look_alike_names_are_all_kept(tmp_path, real_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    first = notice(tmp_path / "session-a", "same.txt", "Alderbay", 41)
    second = notice(tmp_path / "session-b", "same.txt", "Birchmouth", 52)
    draft = notice(tmp_path / "session-c", "Policy (draft).txt", "Cedarholm", 63)
    cleaned = notice(tmp_path / "session-d", "Policy_draft_.txt", "Dunmere", 74)
    chinese = notice(tmp_path / "session-e", "报告.txt", "Elmstead", 85)
    long_name = notice(tmp_path / "session-f", "n" * 200 + ".txt", "Fernvale", 96)
    results = [a.add_upload(p, p.name) for p in (first, second, draft, cleaned, chinese, long_name)]
    assert [r.status for r in results] == ["added"] * 6, results
    assert results[4].name == "报告.txt" and results[5].name.endswith(".txt")
    assert len({r.doc_id for r in results}) == 6 and len(a.documents()) == 6
    for place, permits in [("Alderbay", 41), ("Birchmouth", 52), ("Cedarholm", 63), ("Dunmere", 74),
                           ("Elmstead", 85), ("Fernvale", 96)]:  # fmt: skip
        answer = a.ask(f"How many harbour permits did the {place} office issue in 2024?")
        assert f"{permits} harbour permits" in answer.text, (place, answer.text)

    again = a.add_upload(first, "renamed copy.txt")  # the same content under another name
    assert again.status == "unchanged" and again.doc_id == results[0].doc_id and len(a.documents()) == 6

    stored = next(p for p in a.uploads_dir.rglob("*.txt") if p.read_text(encoding="utf-8").count("Alderbay"))
    assert a.remove(results[0].doc_id)
    assert not stored.exists() and not stored.parent.exists()  # the upload copy goes with the document
    assert len(list(a.uploads_dir.rglob("*.txt"))) == 5


def test_a_refused_upload_leaves_no_copy(tmp_path, fake_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    bad = tmp_path / "in" / "scan.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    result = a.add_upload(bad, "scan.pdf")
    assert result.status == "failed" and "PDF" in result.detail
    assert not list(a.uploads_dir.rglob("*")) and not a.documents()


WRITER = """
import sys
from pathlib import Path
from assistant import Assistant

index, host, port, folder = sys.argv[1:5]
a = Assistant(index_dir=index, chroma_host=host or None, chroma_port=int(port))
for f in sorted(Path(folder).glob("*.txt")):  # one write per file, as uploads on a page arrive
    r = a.add_upload(f, f.name)
    print(r.status, r.doc_id, r.detail, flush=True)
"""
SYLLABLES = ["al", "bor", "cin", "dun", "eth", "fal", "gor", "hin", "ist", "jor"]


def place(k: int) -> str:
    return (SYLLABLES[k // 10 % 10] + SYLLABLES[k % 10] + "ville").capitalize()


def two_writers(tmp_path: Path, host: str = "", port: int = 8000, collection: str = "policy_chunks"):
    """Two processes upload 40 different documents each into one index at the same time; then every
    document must hold exactly its chunks and answer its question."""

    folders = [tmp_path / f"writer-{w}" for w in range(2)]
    expected = {}
    for w, folder in enumerate(folders):
        for i in range(40):
            k = 40 * w + i
            notice(folder, f"notice_{i:02d}.txt", place(k), 100 + k)
            expected[place(k)] = 100 + k
    index = tmp_path / "index"
    env = {**os.environ, "POLICY_ASSISTANT_COLLECTION": collection}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(index), host, str(port), str(f)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in folders]  # fmt: skip
    outputs = [p.communicate(timeout=900) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-2000:]
        assert [line.split()[0] for line in out.splitlines()] == ["added"] * 40, out
    a = Assistant(index_dir=index, chroma_host=host or None, chroma_port=port, collection=collection)
    docs = a.store.documents()
    assert len(docs) == 80
    per_doc = Counter(m["doc_id"] for _ids, _texts, metas in a.store.iter_chunks() for m in metas)
    assert {d: per_doc[d] for d in docs} == {d: info.chunks for d, info in docs.items()}
    assert set(per_doc) == set(docs), "chunks without a document"
    for name, permits in expected.items():
        answer = a.ask(f"How many harbour permits did the {name} office issue in 2024?")
        assert f"{permits} harbour permits" in answer.text, (name, answer.text)


RUNS = int(os.environ.get("POLICY_ASSISTANT_WRITER_RUNS", "1"))


@pytest.mark.slow
@pytest.mark.parametrize("run", range(RUNS))
def test_two_writer_processes_on_one_embedded_index(tmp_path, run):
    two_writers(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("run", range(RUNS))
def test_two_writer_processes_on_one_chroma_server(tmp_path, chroma_server, run):
    host, port = chroma_server
    two_writers(tmp_path, host, port, collection=f"writers_{run}_{tmp_path.name[-8:].replace('-', '_')}")


@pytest.mark.slow
def test_a_reader_sees_another_process_write_and_its_filters_work(tmp_path, real_embedder):

    index = tmp_path / "index"
    reader = Assistant(index_dir=index, embedder=real_embedder)
    reader.ingest([notice(tmp_path / "first", "first.txt", "Alderbay", 41)])
    assert "41 harbour permits" in reader.ask("How many harbour permits did the Alderbay office issue?").text
    later = notice(tmp_path / "later", "later.txt", "Quillmoor", 58)
    assert run_cli("--index", str(index), "ingest", str(later)).returncode == 0  # another process writes
    time.sleep(reader.keyword.check_every + 0.1)  # readers look for other writers' changes this often
    question = "How many harbour permits did the Quillmoor office issue in 2024?"
    assert "58 harbour permits" in reader.ask(question).text
    only_later = {"doc_ids": ["later/later.txt"]}
    assert "58 harbour permits" in reader.ask(question, filters=only_later).text
    assert reader.check("The Quillmoor office issued 58 harbour permits in 2024.").verdict == "supported"
    assert reader.check("The Quillmoor office issued 59 harbour permits in 2024.").verdict == "contradicted"


def docx_bomb(path: Path, megabytes: int) -> Path:
    """A small DOCX whose document.xml unpacks to `megabytes` MB (one paragraph of padding)."""
    plain = make_docx(path.with_suffix(".plain.docx"), "Synthetic bomb", ["SYNTHETIC TEST DOCUMENT: a bomb."])
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
        with out.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                      b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')  # fmt: skip
            block = b"SYNTHETIC " * 104858  # about 1 MB
            for _ in range(megabytes):
                xml.write(block)
            xml.write(b"</w:t></w:r></w:p></w:body></w:document>")
    plain.unlink()
    return path


@pytest.mark.slow  # builds a 300 MB docx bomb and a 20,000-page PDF
def test_files_that_expand_far_beyond_their_size_are_refused_naming_the_limit(tmp_path, fake_embedder):

    folder = tmp_path / "in"
    folder.mkdir()
    bomb = docx_bomb(folder / "bomb.docx", 300)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    (folder / "pages.pdf").write_bytes(make_pdf([f"Synthetic page {n}" for n in range(20_000)]))
    notice(folder, "fine.txt", "Alderbay", 41)
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    report = a.ingest([folder])
    reasons = dict((Path(p).name, r) for p, r in report.failed)
    assert (
        "expands to 301 MB" in reasons["bomb.docx"]
        and "POLICY_ASSISTANT_MAX_EXPANDED_MB" in reasons["bomb.docx"]
    )
    assert "20,000 pages" in reasons["pages.pdf"] and "POLICY_ASSISTANT_MAX_PDF_PAGES" in reasons["pages.pdf"]
    assert report.added == ["in/fine.txt"]  # the rest of the work goes on

    small = Assistant(
        index_dir=tmp_path / "small", embedder=fake_embedder, max_doc_chars=5000, max_doc_chunks=3
    )
    long_text = notice(tmp_path / "long", "long.txt", "Birchmouth", 52)
    long_text.write_text(long_text.read_text() + "The office met again. " * 400)
    report = small.ingest([long_text])
    assert "more than 5,000 characters" in report.failed[0][1] and not small.documents()
    many = notice(tmp_path / "many", "many.txt", "Cedarholm", 63)
    many.write_text(many.read_text() + "The office met again on the harbour permits. " * 90)
    report = small.ingest([many])
    assert "chunks, more than 3" in report.failed[0][1] and not small.documents()


def laughs_docx(path: Path, levels: int = 10) -> Path:
    """A DOCX built by hand whose document.xml nests entities ten deep (a "billion laughs"): a few hundred
    bytes that would expand to 10**levels copies of one word."""
    ns = "http://schemas.openxmlformats.org/"
    package = "application/vnd.openxmlformats-package.relationships+xml"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    types = (
        f'<?xml version="1.0"?><Types xmlns="{ns}package/2006/content-types">'
        f'<Default Extension="rels" ContentType="{package}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    )
    rels = (
        f'<?xml version="1.0"?><Relationships xmlns="{ns}package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{ns}officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    entities = '<!ENTITY e0 "SYNTHETIC ">' + "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, levels)
    )
    document = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]><w:document xmlns:w="{ns}wordprocessingml/'
        f'2006/main"><w:body><w:p><w:r><w:t>&e{levels - 1};</w:t></w:r></w:p></w:body></w:document>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document)
    return path


def test_a_docx_with_nested_entities_is_refused_in_one_plain_line(tmp_path, fake_embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    laughs_docx(folder / "laughs.docx")
    notice(folder, "fine.txt", "Dunmere", 17)
    report = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder).ingest([folder])
    reasons = dict((Path(p).name, r) for p, r in report.failed)
    assert reasons["laughs.docx"] == (
        "refused: word/document.xml defines XML entities (a DOCX never needs them; possible "
        "entity-expansion attack)"
    )
    assert "XMLSyntaxError" not in reasons["laughs.docx"] and "\n" not in reasons["laughs.docx"]
    assert report.added == ["in/fine.txt"]  # the rest of the work goes on


def test_text_without_whitespace_is_cut_into_bounded_chunks(tmp_path, fake_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=fake_embedder)
    blob = tmp_path / "in" / "blob.txt"
    blob.parent.mkdir()
    blob.write_text("SYNTHETIC_TEST_DOCUMENT_" + "x" * 400_000, encoding="utf-8")
    report = a.ingest([blob])
    cap = 8 * a.settings.chunk_tokens
    assert report.added and report.chunks_added >= 400_000 // cap
    assert max(len(t) for _ids, texts, _m in a.store.iter_chunks() for t in texts) <= cap
    hits = a.search("SYNTHETIC_TEST_DOCUMENT", k=3)
    assert hits and all(len(h.passage) <= cap for h in hits)


def orphan_free(a: Assistant) -> int:
    """Every chunk belongs to a listed document, which holds exactly its chunks; returns the count."""
    docs = a.store.documents()
    per_doc = Counter(m["doc_id"] for _ids, _texts, metas in a.store.iter_chunks() for m in metas)
    assert set(per_doc) == set(docs), "chunks without a document, or a document without chunks"
    assert all(per_doc[d] == info.chunks for d, info in docs.items())
    return len(docs)


@pytest.mark.slow
def test_cancel_and_ctrl_c_leave_no_half_document(tmp_path, real_embedder):

    folder = tmp_path / "notices"
    for k in range(120):
        notice(folder, f"notice_{k:03d}.txt", place(k % 100) + str(k), 100 + k)
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder, ingest_batch=8)
    cancel = threading.Event()

    def press_cancel_once_something_is_stored():
        while not a.store.documents():
            cancel.wait(0.05)
        cancel.set()

    threading.Thread(target=press_cancel_once_something_is_stored, daemon=True).start()
    with pytest.raises(Cancelled):
        a.ingest([folder], cancel=cancel)
    stored = orphan_free(a)
    assert 0 < stored < 120
    assert len(a.ingest([folder]).added) == 120 - stored and orphan_free(a) == 120

    index = tmp_path / "ctrl-c"
    env = {**os.environ, "POLICY_ASSISTANT_INGEST_BATCH": "8"}
    cmd = [sys.executable, "-m", "assistant", "-v", "--index", str(index), "ingest", str(folder)]
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background run ignores SIGINT
    )  # fmt: skip
    for line in proc.stderr:
        if "stored" in line:
            break
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert 0 < orphan_free(Assistant(index_dir=index, embedder=real_embedder)) < 120


@pytest.mark.slow
def test_a_read_only_index_can_be_listed_and_searched_not_changed(tmp_path):

    index = tmp_path / "index"
    assert (
        run_cli(
            "--index", str(index), "ingest", str(notice(tmp_path / "in", "a.txt", "Alderbay", 41))
        ).returncode
        == 0
    )
    frozen = [index, index / "chroma", index / "chroma" / "chroma.sqlite3", index / "bm25"]
    # chattr, not chmod: the tests may run as root, whom file modes do not stop.
    if subprocess.run(["chattr", "+i", *map(str, frozen)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        listed = run_cli("--index", str(index), "list")
        assert listed.returncode == 0 and "Alderbay" in listed.stdout, listed.stderr
        asked = run_cli(
            "--index", str(index), "ask", "How many harbour permits did the Alderbay office issue?"
        )
        assert "41 harbour permits" in asked.stdout, asked.stderr
        added = run_cli(
            "--index", str(index), "ingest", str(notice(tmp_path / "in", "b.txt", "Birchmouth", 52))
        )
        assert added.returncode == 2 and "read-only" in added.stderr and "Traceback" not in added.stderr
    finally:
        subprocess.run(["chattr", "-i", *map(str, frozen)], capture_output=True)


@pytest.mark.slow
def test_a_lone_surrogate_in_a_question_is_not_an_error(tmp_path, real_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    a.ingest([notice(tmp_path / "in", "a.txt", "Alderbay", 41)])
    answer = a.ask("How many harbour permits did the Alderbay office issue? \ud800")
    assert "41 harbour permits" in answer.text
    assert a.check("The Alderbay office issued 41 harbour permits in 2024 \udfff").verdict == "supported"
