"""Careless and hostile input: look-alike upload names, files that expand far beyond their size, many
writers on one index. Every document here is synthetic and says so in its text."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant

pytestmark = pytest.mark.slow


def notice(folder: Path, name: str, place: str, permits: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"Synthetic {place} Permit Notice\n\nSYNTHETIC TEST DOCUMENT: {place} is a fictional place.\n\n"
        f"The {place} office issued {permits} harbour permits in 2024.\n",
        encoding="utf-8",
    )
    return path


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


def test_a_refused_upload_leaves_no_copy(tmp_path, real_embedder):
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
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
    import os
    import subprocess
    import sys
    from collections import Counter

    from conftest import ROOT

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


RUNS = int(__import__("os").environ.get("POLICY_ASSISTANT_WRITER_RUNS", "1"))


@pytest.mark.parametrize("run", range(RUNS))
def test_two_writer_processes_on_one_embedded_index(tmp_path, run):
    two_writers(tmp_path)


@pytest.mark.parametrize("run", range(RUNS))
def test_two_writer_processes_on_one_chroma_server(tmp_path, chroma_server, run):
    host, port = chroma_server
    two_writers(tmp_path, host, port, collection=f"writers_{run}_{tmp_path.name[-8:].replace('-', '_')}")
