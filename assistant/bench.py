"""Benchmarks that report (never assert) speed: ingest throughput of the whole pipeline vs. encode alone."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

from .config import make_settings
from .ingest import embedding_text

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "scifact"


def machine() -> str:
    """CPU model, cores and RAM, for the top of every report."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        mem_kb = next(int(line.split()[1]) for line in meminfo if "MemTotal" in line)
        ram = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        ram = "unknown RAM"
    return f"{cpu}, {os.cpu_count()} cores, {ram}, Python {platform.python_version()}"


def write_scifact_docs(data_dir: Path, n: int, out: Path) -> int:
    """First `n` SciFact abstracts as Markdown files with front matter (the normal ingest path reads them)."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(data_dir / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            if count >= n:
                break
            rec = json.loads(line)
            title = rec["title"].replace('"', "'")
            body = f'---\ntitle: "{title}"\nsource: scifact\n---\n{rec["text"]}\n'
            (out / f"{rec['_id']}.md").write_text(body, encoding="utf-8")
            count += 1
    return count


def ingest_throughput(n_docs: int = 1000, data_dir: Path = DEFAULT_DATA) -> dict:
    """Chunks/s of `Assistant.ingest` (warm model) beside `SentenceTransformer.encode` on the same texts."""
    from .core import Assistant

    if not (data_dir / "corpus.jsonl").is_file():
        raise FileNotFoundError(f"no SciFact corpus.jsonl in {data_dir}")
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "scifact"
        written = write_scifact_docs(data_dir, n_docs, docs)
        a = Assistant(make_settings(index_dir=Path(tmp) / "index"))
        a.embedder.embed(["warm up the model"])
        started = time.perf_counter()
        report = a.ingest([docs])
        pipeline_s = time.perf_counter() - started
        texts = []
        for _ids, passages, metas in a.store.iter_chunks():
            texts.extend(embedding_text(m.get("title", ""), p) for p, m in zip(passages, metas, strict=True))
        model = a.embedder.model
        started = time.perf_counter()
        model.encode(texts, batch_size=a.settings.batch_size, normalize_embeddings=True, show_progress_bar=0)
        encode_s = time.perf_counter() - started
    chunks = report.chunks_added
    return {
        "documents": written,
        "chunks": chunks,
        "pipeline_s": round(pipeline_s, 2),
        "pipeline_chunks_per_s": round(chunks / pipeline_s, 1),
        "encode_s": round(encode_s, 2),
        "encode_chunks_per_s": round(len(texts) / encode_s, 1),
        "ratio": round((chunks / pipeline_s) / (len(texts) / encode_s), 3),
    }


def format_throughput(r: dict) -> str:
    return "\n".join(
        [
            f"Machine: {machine()}",
            "",
            "| measure | chunks | seconds | chunks/s |",
            "|---|---|---|---|",
            f"| ingest pipeline ({r['documents']} SciFact docs) | {r['chunks']} | {r['pipeline_s']} "
            f"| {r['pipeline_chunks_per_s']} |",
            f"| SentenceTransformer.encode alone, same chunks | {r['chunks']} | {r['encode_s']} "
            f"| {r['encode_chunks_per_s']} |",
            f"| pipeline / encode | | | {r['ratio']}x |",
        ]
    )
