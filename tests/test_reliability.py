"""Faults: a killed ingest, questions during an ingest, a Chroma server going away, a broken index path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

import pytest
from helpers import ROOT, free_port, stop, wait_http

from assistant import Assistant
from assistant.measuring.bench import chroma_server
from assistant.models import AssistantError

pytestmark = pytest.mark.slow


def synthetic_folder(root, n: int, variant: str = ""):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"notice_{i:03d}.txt").write_text(
            f"Synthetic Notice {i}\nDate: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            f"Source: synthetic.example\n\nSYNTHETIC TEST DOCUMENT {i}{variant}. "
            f"The fictional district {i} approved {100 + i} permits in 2024. "
            f"Officials of district {i} said {i % 7 + 2} agencies took part.\n",
            encoding="utf-8",
        )
    return root


def check_consistent(a: Assistant, expected_docs: set[str]) -> int:
    """Every document once, no orphan or missing chunk, BM25 in step; returns the chunk count."""
    docs = a.store.documents()
    assert set(docs) == expected_docs
    per_doc = Counter()
    shas = {}
    for ids, _texts, metas in a.store.iter_chunks():
        assert len(set(ids)) == len(ids)
        for m in metas:
            per_doc[m["doc_id"]] += 1
            shas.setdefault(m["doc_id"], set()).add(m["sha"])
    assert set(per_doc) == expected_docs, "orphan chunks or documents without chunks"
    for doc_id, info in docs.items():
        assert per_doc[doc_id] == info.chunks, doc_id
        assert shas[doc_id] == {info.sha256[:12]}, doc_id
    assert a.search("permits approved by the fictional district 7", k=3)
    assert a.keyword.fingerprint == a.store.fingerprint()
    return a.chunk_count()


def test_kill_9_during_ingest_loses_and_duplicates_nothing(tmp_path, real_embedder):
    folder = synthetic_folder(tmp_path / "notices", 300)
    expected = {f"notices/notice_{i:03d}.txt" for i in range(300)}
    clean = Assistant(index_dir=tmp_path / "clean", embedder=real_embedder)
    clean.ingest([folder])
    clean_chunks = check_consistent(clean, expected)

    index = tmp_path / "crashy"
    env = {**os.environ, "POLICY_ASSISTANT_INGEST_BATCH": "16"}
    cmd = [sys.executable, "-m", "assistant", "-v", "--index", str(index), "ingest", str(folder)]
    count = [sys.executable, "-m", "assistant", "--index", str(index), "list", "--json"]
    kills, progress = 0, []
    # (batches stored by this run, then seconds more): kills land while embedding and while storing.
    for batches, extra in ((1, 0.0), (1, 0.25), (2, 0.1), (1, 0.45), (2, 0.6)):
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        seen = 0
        for line in proc.stderr:
            seen += "stored" in line
            if seen >= batches:
                break
        time.sleep(extra)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stderr.close()
        listed = subprocess.run(count, cwd=ROOT, capture_output=True, text=True, timeout=120)
        progress.append(len(json.loads(listed.stdout or "[]")))
    assert kills == 5, "the ingest finished before every kill; the kills came too late"
    final = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    a = Assistant(index_dir=index, embedder=real_embedder)
    chunks = check_consistent(a, expected)
    print(f"\nkills survived: {kills}; documents stored when killed: {progress}; chunks {chunks} "
          f"(clean ingest {clean_chunks}); lost or duplicated: 0")  # fmt: skip
    assert chunks == clean_chunks


def test_questions_during_an_ingest_get_answers(tmp_path, real_embedder):
    folder = synthetic_folder(tmp_path / "notices", 60)
    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder, ingest_batch=8)
    a.ingest([folder])
    old = {p.name: p.read_text() for p in folder.iterdir()}
    synthetic_folder(folder, 60, variant=" (revised)")
    new = {p.name: p.read_text() for p in folder.iterdir()}
    a.keyword.check_every = 0
    errors, answers = [], []
    done = threading.Event()

    def writer():
        try:
            a.ingest([folder])
        finally:
            done.set()

    def reader():
        while not done.is_set():
            try:
                ans = a.ask("How many permits did the fictional district 12 approve in 2024?")
                answers.append(ans)
            except Exception as exc:  # any failure is a finding
                errors.append(repr(exc))

    threads = [
        threading.Thread(target=writer),
        threading.Thread(target=reader),
        threading.Thread(target=reader),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors[:3]
    assert answers
    for ans in answers:
        for c in ans.citations:  # each cited passage is wholly from the old or wholly from the new version
            name = c.doc_id.rsplit("/", 1)[-1]
            assert c.passage in old[name] or c.passage in new[name]
    assert len(a.documents()) == 60


def test_chroma_server_going_away_gives_a_clear_message(tmp_path, real_embedder):
    port, data = free_port(), tmp_path / "chroma-data"
    server, _, _ = chroma_server(data, port)
    try:
        folder = synthetic_folder(tmp_path / "notices", 5)
        a = Assistant(index_dir=tmp_path / "i", embedder=real_embedder, chroma_host="127.0.0.1",
                      chroma_port=port, collection=f"c{uuid.uuid4().hex[:6]}")  # fmt: skip
        a.ingest([folder])
        question = "How many permits did the fictional district 3 approve in 2024?"
        assert "103" in a.ask(question).text
        stop(server)
        a.keyword.check_every = 0
        with pytest.raises(AssistantError, match=f"cannot reach Chroma at 127.0.0.1:{port}"):
            a.ask(question)
        server, _, _ = chroma_server(data, port)
        assert "103" in a.ask(question).text
    finally:
        stop(server)


def test_unusable_index_path_gives_a_clear_message(tmp_path, real_embedder):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("synthetic: a file where the index folder should be")
    with pytest.raises(AssistantError, match="cannot open the index at"):
        Assistant(index_dir=blocker, embedder=real_embedder).documents()


@pytest.mark.server
def test_page_survives_chroma_server_loss(tmp_path):
    """The page's /ask says it cannot reach Chroma while the server is down, stays up, and recovers."""
    import urllib.request

    from gradio_client import Client

    chroma_port, page_port = free_port(), free_port()
    data = tmp_path / "chroma-data"

    env = {
        **os.environ,
        "POLICY_ASSISTANT_CHROMA_HOST": "127.0.0.1",
        "POLICY_ASSISTANT_CHROMA_PORT": str(chroma_port),
        "POLICY_ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
    }
    chroma, _, _ = chroma_server(data, chroma_port)
    page = None
    try:
        folder = synthetic_folder(tmp_path / "notices", 5)
        assert subprocess.run([sys.executable, "-m", "assistant", "ingest", str(folder)], env=env, cwd=ROOT,
                              capture_output=True, timeout=300).returncode == 0  # fmt: skip
        serve = [sys.executable, "-m", "assistant", "serve", "--port", str(page_port)]
        page = subprocess.Popen(
            serve, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{page_port}/"
        wait_http(url, page)
        client = Client(url, verbose=False)
        question = "How many permits did the fictional district 3 approve in 2024?"
        assert "103" in client.predict(question, api_name="/ask")["text"]
        stop(chroma)
        time.sleep(2.5)  # past the side index's re-check interval
        with pytest.raises(Exception, match=f"cannot reach Chroma at 127.0.0.1:{chroma_port}"):
            client.predict(question, api_name="/ask")
        assert urllib.request.urlopen(url, timeout=5).status == 200
        chroma, _, _ = chroma_server(data, chroma_port)
        assert "103" in client.predict(question, api_name="/ask")["text"]
    finally:
        stop(page)
        stop(chroma)
