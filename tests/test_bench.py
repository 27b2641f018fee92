"""`lab bench --quick` keeps working on a tiny synthetic SciFact-format corpus (figures are not asserted)."""

from __future__ import annotations

import pytest
from helpers import DATA, run_cli

from assistant.measuring.scifact import ndcg_at, recall_at


def test_metrics():
    assert ndcg_at(["a", "b"], {"a": 1}) == 1.0
    assert round(ndcg_at(["b", "a"], {"a": 1}), 4) == round(1 / 1.5849625, 4)
    assert recall_at(["a", "c"], {"a": 1, "b": 1}) == 0.5


def test_drafts_table_names_the_lab_command(tmp_path, capsys):
    """`lab bench --drafts` shows its table through the one printer: Markdown to --out, and the terminal."""
    from assistant.interfaces.common import emit
    from assistant.measuring.prose_bench import drafts_markdown

    result = {"words": 2013, "sentences": 97, "checked": 41, "seconds": 3.5, "counts": {}}
    emit(result, drafts_markdown(result, "a test machine"), as_json=False, out=tmp_path / "d.md")
    table = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert table.startswith("Machine: a test machine\nRun: `policy-assistant lab bench --drafts`")
    assert "| draft of 2,013 words, 97 sentences, 41 checked | 3.5 s warm |" in table
    assert capsys.readouterr().out == table + "\n"


@pytest.mark.slow
@pytest.mark.server
def test_bench_quick_runs(tmp_path):
    out = tmp_path / "bench.md"
    args = ("lab", "bench", "--quick", "--data", str(DATA / "tiny_scifact"), "--out", str(out))
    run = run_cli(*args, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    table = out.read_text()
    for heading in ("Retrieval quality", "Ingest throughput", "Query latency", "Machine:"):
        assert heading in table
    assert "| 1,000 | embedded |" in table and "| 1,000 | server |" in table
    assert "hybrid (Assistant.search)" in table and "bge-small-en-v1.5" in table
    assert "| whole ingest, sentence vectors pooled |" in table and "| pooled pipeline / encode |" in table
    assert "check median ms" in table and "pairs/s over 512 (claim, sentence) pairs" in table


@pytest.mark.slow
def test_bench_retrieval_scores_this_index_embedder_and_reuses_its_ingest(tmp_path):
    """`lab bench --retrieval --docs N`: the queries' relevant abstracts plus random others up to N are
    ingested once (timed) and scored; a second run on the same index reuses them (no ingest row)."""
    import json

    index = tmp_path / "index"
    data = str(DATA / "tiny_scifact")
    args = ("--index", str(index), "lab", "bench", "--retrieval", "--docs", "20", "--data", data)
    first = run_cli(*args, "--json", timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    result = json.loads(first.stdout)
    assert result["documents"] == 20 and result["ingest"]["documents"] == 20
    dense = result["quality"]["dense (MiniLM, Chroma)"]
    assert result["embedder"] == "all-MiniLM-L6-v2" and 0 < dense["ndcg@10"] <= 1
    again = run_cli(*args, "--out", str(tmp_path / "r.md"), timeout=600)
    assert again.returncode == 0 and "Ingest:" not in again.stdout
    assert "| dense (MiniLM, Chroma) |" in again.stdout
    assert "(a subset: relevant abstracts plus random others)" in (tmp_path / "r.md").read_text()
