"""BEIR SciFact: retrieval quality (nDCG@10, recall@100) of BM25, dense and the hybrid `Assistant.search`."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path

PUBLISHED = [  # from shared/bench/README.md
    ("BM25 (BEIR paper, Thakur et al. 2021)", 0.665),
    ("BM25, one field (Anserini regression)", 0.679),
    ("BM25 top-100 reranked by cross-encoder ms-marco-MiniLM-L-6-v2", 0.682),
    ("all-MiniLM-L6-v2, dense only (MTEB)", 0.645),
    ("bge-small-en-v1.5, dense only (MTEB)", 0.713),
]


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            qid, did, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, {})[did] = int(score)
    return qrels


def load_queries(path: Path, ids: set[str]) -> dict[str, str]:
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["_id"] in ids:
                out[rec["_id"]] = rec["text"]
    return out


def corpus_ids(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["_id"] for line in f]


def quick_subset(data_dir: Path, n_queries: int, n_docs: int, seed: int = 13) -> tuple[set[str], set[str]]:
    """(query ids, doc ids) for --quick: the relevant docs of the first queries plus deterministic fillers."""
    qrels = load_qrels(data_dir / "qrels" / "test.tsv")
    qids = sorted(qrels, key=int)[:n_queries]
    docs = {d for q in qids for d in qrels[q]}
    others = [d for d in corpus_ids(data_dir / "corpus.jsonl") if d not in docs]
    random.Random(seed).shuffle(others)
    docs.update(others[: max(0, n_docs - len(docs))])
    return set(qids), docs


def write_docs(data_dir: Path, out: Path, only: set[str] | None = None) -> int:
    """SciFact abstracts as Markdown files (front matter title) so they go through the normal ingest path."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(data_dir / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if only is not None and rec["_id"] not in only:
                continue
            title = json.dumps(rec["title"])  # a JSON string is valid YAML
            (out / f"{rec['_id']}.md").write_text(
                f"---\ntitle: {title}\nsource: scifact\n---\n{rec['text']}\n"
            )
            n += 1
    return n


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains, as trec_eval's ndcg_cut (the BEIR convention)."""
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 100) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def doc_ranking(doc_ids: list[str]) -> list[str]:
    """Chunk-level ranking -> document ranking (a document ranks where its best chunk does)."""
    seen: dict[str, None] = {}
    for d in doc_ids:
        seen.setdefault(d, None)
    return list(seen)


def scifact_id(doc_id: str) -> str:
    return doc_id.rsplit("/", 1)[-1].removesuffix(".md")


def rankers(assistant, depth: int = 300) -> dict[str, Callable[[str], list[str]]]:
    """BM25 alone, dense alone and the hybrid search, each returning SciFact doc ids best first."""
    kw, store = assistant.keyword, assistant.store

    def bm25(q: str) -> list[str]:
        return doc_ranking([scifact_id(meta["doc_id"]) for _, _, meta in kw.search(q, depth)])

    def dense(q: str) -> list[str]:
        vec = assistant.query_embedder.embed([q])[0]  # the query side (e5 prefixes queries differently)
        return doc_ranking([scifact_id(meta["doc_id"]) for _, _, _, meta in store.query(vec, depth, None)])

    def hybrid(q: str) -> list[str]:
        return doc_ranking([scifact_id(h.doc_id) for h in assistant.search(q, k=depth)])

    dense_name = f"dense ({'MiniLM' if assistant.embedder.english_only else 'multilingual-e5'}, Chroma)"
    return {"BM25 (bm25s)": bm25, dense_name: dense, "hybrid (Assistant.search)": hybrid}


def evaluate(assistant, queries: dict[str, str], qrels: dict[str, dict[str, int]], depth: int = 300) -> dict:
    """nDCG@10 and recall@100 per ranker over the given queries (each ranker takes `depth` candidates from
    both sides: `search(k=depth)` widens the hybrid's candidate lists to k)."""
    results = {}
    for name, rank in rankers(assistant, depth).items():
        ndcg, recall = [], []
        for qid, text in queries.items():
            ranked = rank(text)
            ndcg.append(ndcg_at(ranked, qrels[qid]))
            recall.append(recall_at(ranked, qrels[qid]))
        results[name] = {
            "ndcg@10": round(sum(ndcg) / len(ndcg), 4),
            "recall@100": round(sum(recall) / len(recall), 4),
        }
    return results
