"""End to end with the real MiniLM model and real Chroma (embedded and a `chroma run` server), and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
from helpers import CORPUS, EVAL_EXTRA, ROOT, free_port, run_cli

from assistant import Assistant

QUESTION = "How many foreign-funded enterprises were established in Beijing in 2024?"
pytestmark = pytest.mark.slow


def corpus_inputs():
    return [str(CORPUS)] + ([str(EVAL_EXTRA)] if EVAL_EXTRA.is_dir() else [])


def test_real_model_embedded_chroma(real_embedder):
    a = Assistant(embedder=real_embedder)
    report = a.ingest(corpus_inputs())
    assert not report.failed and report.added
    hits = a.search(QUESTION, k=3)
    assert any("2,012" in h.passage for h in hits)
    h = next(h for h in hits if "2,012" in h.passage)
    doc_text = (CORPUS / h.doc_id.split("/", 1)[1]).read_text(encoding="utf-8")
    assert h.title.startswith("Over 140 Groundbreaking Policies") and h.date == "2025-03-01"
    from assistant.text.normalise import normalise

    assert h.passage in normalise(doc_text)
    assert h.end - h.start == len(h.passage)


@pytest.mark.server
def test_real_model_chroma_server(real_embedder, chroma_server):
    host, port = chroma_server
    collection = f"t{uuid.uuid4().hex[:8]}"
    a = Assistant(embedder=real_embedder, chroma_host=host, chroma_port=port, collection=collection)
    assert a.ingest(corpus_inputs()).added
    assert any("2,012" in h.passage for h in a.search(QUESTION, k=3))
    again = Assistant(embedder=real_embedder, chroma_host=host, chroma_port=port, collection=collection)
    assert not again.ingest(corpus_inputs()).added
    assert again.chunk_count() == a.chunk_count()


@pytest.mark.server
def test_cli_against_chroma_server(chroma_server, tmp_path):
    host, port = chroma_server
    env = {
        "POLICY_ASSISTANT_CHROMA_HOST": host,
        "POLICY_ASSISTANT_CHROMA_PORT": str(port),
        "POLICY_ASSISTANT_COLLECTION": f"cli{uuid.uuid4().hex[:8]}",
    }
    assert run_cli("ingest", *corpus_inputs(), env=env).returncode == 0
    out = run_cli("search", QUESTION, "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert any("2,012" in h["passage"] for h in json.loads(out.stdout)[:3])


def test_cli_round_trip(tmp_path):
    index = str(tmp_path / "cli-index")
    first = run_cli("--index", index, "ingest", *corpus_inputs(), "--json")
    assert first.returncode == 0, first.stderr
    added = json.loads(first.stdout)["added"]
    second = json.loads(run_cli("--index", index, "ingest", *corpus_inputs(), "--json").stdout)
    assert second["added"] == [] and sorted(second["unchanged"]) == sorted(added)
    listed = json.loads(run_cli("--index", index, "list", "--json").stdout)
    assert {d["doc_id"] for d in listed} == set(added)
    hits = json.loads(run_cli("--index", index, "search", QUESTION, "-k", "3", "--json").stdout)
    assert any("2,012" in h["passage"] for h in hits)
    assert {"rank", "title", "date", "source", "passage", "start", "end", "chunk_id", "score"} <= set(hits[0])
    missing = run_cli("--index", index, "remove", "no/such/doc")
    assert missing.returncode == 1 and "no document" in missing.stderr


def test_cli_failures_are_one_line(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "ok.md").write_text("# Synthetic\n\nSYNTHETIC TEST DOCUMENT with 12 examples.\n")
    out = run_cli("--index", str(tmp_path / "i"), "ingest", str(bad))
    assert out.returncode == 1
    assert "failed: " in out.stderr and "empty.txt: empty file" in out.stderr
    assert "Traceback" not in out.stderr and "1 added" in out.stdout
    down = run_cli("--chroma-host", "127.0.0.1", "--chroma-port", str(free_port()), "list")
    assert down.returncode == 2 and "cannot reach Chroma at 127.0.0.1" in down.stderr
    assert "Traceback" not in down.stderr and len(down.stderr.strip().splitlines()) == 1
    empty = run_cli("--index", str(tmp_path / "i"), "search", "   ")
    assert empty.returncode == 2 and "the question is empty" in empty.stderr


def test_help_is_light():
    code = "import sys; from assistant.interfaces.cli import app; print(sorted(m for m in ('torch','chromadb','sentence_transformers') if m in sys.modules))"  # noqa: E501
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert run_cli("--help").returncode == 0
