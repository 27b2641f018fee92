"""Child processes of `bench`: build a large deterministic index, and measure one index cold and warm."""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from assistant.config import make_settings
from assistant.models import TITLE_SPAN, Chunk, Document, SentenceVectors
from assistant.text.chunking import sentence_spans

DOC_CHUNKS = 5  # chunks per synthetic document


def _halves(text: str) -> tuple[str, str]:
    """Split at a sentence boundary (the same splitter as ingest, so each half keeps whole sentences)."""
    parts = [text[a:b] for a, b in sentence_spans(text)] or [text]
    mid = max(1, len(parts) // 2)
    return " ".join(parts[:mid]), " ".join(parts[mid:]) or parts[-1]


def synthetic_chunks(texts: list[str], vectors: np.ndarray, size: int):
    """`size` (text, vector, source position) triples: the real chunks first, then deterministic blends
    of two real chunks (first half of one, second half of another; their vectors summed and normalised)."""
    n = len(texts)
    for j in range(size):
        if j < n:
            yield texts[j], vectors[j], j
            continue
        a, b = j % n, (j * 7919 + 1) % n
        v = vectors[a] + vectors[b]
        yield f"{_halves(texts[a])[0]} {_halves(texts[b])[1]}", v / (np.linalg.norm(v) or 1.0), a


def build_main() -> None:
    """argv: SOURCE_INDEX TARGET_INDEX SIZE. Reads chunks and vectors of the source, writes SIZE chunks."""
    from assistant.index.keyword import KeywordIndex
    from assistant.index.store import ChromaStore

    source, target, size = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    src = ChromaStore(make_settings(index_dir=source))
    ids, texts, metas = [], [], []
    for page_ids, page_texts, page_metas in src.iter_chunks():
        ids += page_ids
        texts += page_texts
        metas += page_metas
    stored_vectors = src.chunk_vectors(ids)
    vectors = np.stack([stored_vectors[i] for i in ids]).astype(np.float32)
    sentence_vectors = {}  # sentence text -> its stored vector, reused for the blends' sentences
    for k in range(0, len(ids), 500):
        page = ids[k : k + 500]
        stored = src.sentence_vectors(page)
        for cid, text, meta in zip(page, texts[k : k + 500], metas[k : k + 500], strict=True):
            for (a, b), vec in stored.get(cid, {}).items():
                sentence_vectors[
                    meta.get("title") or meta["doc_id"] if (a, b) == TITLE_SPAN else text[a:b]
                ] = vec
    dst = ChromaStore(make_settings(index_dir=target))
    batch: list = []
    pieces: list = []
    for j, (text, vec, pos) in enumerate(synthetic_chunks(texts, vectors, size)):
        pieces.append((text, vec, metas[pos].get("title", "")))
        if len(pieces) == DOC_CHUNKS or j == size - 1:
            batch.append(_document(j // DOC_CHUNKS, pieces, sentence_vectors))
            pieces = []
        if len(batch) >= 1000 or j == size - 1:
            dst.put_many(batch, replace=False, sentences=src.sentence_mode())
            batch = []
    KeywordIndex(dst, dst.settings.bm25_dir).ensure(force=True)
    print(json.dumps({"chunks": dst.count()}))


def _document(number: int, pieces: list, sentence_vectors: dict[str, np.ndarray]) -> tuple:
    text, chunks, offset = "", [], 0
    for i, (piece, _vec, _title) in enumerate(pieces):
        if i:
            text += "\n\n"
            offset += 2
        chunks.append(Chunk(doc_id="", index=i, text=piece, start=offset, end=offset + len(piece)))
        text += piece
        offset += len(piece)
    doc_id = f"synthetic/{number:06d}.txt"
    for c in chunks:
        c.doc_id = doc_id
    date = f"20{20 + number % 6}-{1 + number % 12:02d}-{1 + number % 28:02d}"
    doc = Document(doc_id=doc_id, text=text, title=pieces[0][2], date=date, source="scifact",
                   path=doc_id, sha256=f"{number:064x}", kind="txt")  # fmt: skip
    title = pieces[0][2] or doc_id
    texts = {(c.index, a, b): c.text[a:b] for c in chunks for a, b in sentence_spans(c.text)}
    texts |= {(c.index, *TITLE_SPAN): title for c in chunks}
    spans = [span for span, text in texts.items() if text in sentence_vectors]
    found = [sentence_vectors[texts[span]] for span in spans]
    sv = SentenceVectors(spans, np.stack(found)) if found else None
    return doc, chunks, np.stack([v for _p, v, _t in pieces]), sv


def peak_rss_mb() -> int:
    """This process's peak resident set (VmHWM); ru_maxrss would carry over the parent's peak across exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure_main() -> None:
    """argv: INDEX QUESTIONS.json [HOST PORT]. Prints cold-start mark, warm latencies and peak RSS as JSON."""
    index, questions = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    server = {"chroma_host": sys.argv[3], "chroma_port": int(sys.argv[4])} if len(sys.argv) > 4 else {}
    from assistant.core import Assistant

    a = Assistant(make_settings(index_dir=index, **server))
    a.ask(questions[0])
    first_answer_at = time.time()
    ask_ms, search_ms, abstained = [], [], 0
    for q in questions:  # no vector reused from an earlier question: each ask embeds all it needs
        a.query_embedder.clear()
        t = time.perf_counter()
        abstained += a.ask(q).abstained
        ask_ms.append(1000 * (time.perf_counter() - t))
    for q in questions:
        a.query_embedder.clear()
        t = time.perf_counter()
        a.search(q, k=10)
        search_ms.append(1000 * (time.perf_counter() - t))
    check_ms = []
    for q in questions:  # SciFact's queries are claims: `check` with the reader on (the default)
        a.query_embedder.clear()
        t = time.perf_counter()
        a.check(q)
        check_ms.append(1000 * (time.perf_counter() - t))
    print(
        json.dumps(
            {
                "questions": len(questions),
                "first_answer_at": first_answer_at,
                "ask_median_ms": round(statistics.median(ask_ms), 1),
                "ask_p95_ms": round(_percentile(ask_ms, 0.95), 1),
                "search_median_ms": round(statistics.median(search_ms), 1),
                "search_p95_ms": round(_percentile(search_ms, 0.95), 1),
                "check_median_ms": round(statistics.median(check_ms), 1),
                "check_p95_ms": round(_percentile(check_ms, 0.95), 1),
                "peak_rss_mb": peak_rss_mb(),
                "abstained": abstained,
            }
        )
    )
