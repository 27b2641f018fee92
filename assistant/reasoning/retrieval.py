"""Hybrid retrieval: dense (Chroma) and BM25 candidates, reciprocal-rank fusion, and metadata filters."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from assistant.index.embeddings import Embedder
from assistant.index.keyword import KeywordIndex
from assistant.index.store import Store, date_int, hit_from
from assistant.models import AssistantError, Filters, Hit
from assistant.text.chunking import titled
from assistant.text.normalise import (
    is_chinese,
    normalise_date,
    other_script,
    shares_romanised_name,
    unreadable_by,
)

log = logging.getLogger(__name__)

FILTER_KEYS = ("source", "doc_ids", "date_from", "date_to")


def check_filters(filters: Filters | dict | None) -> dict:
    """Validate filters (a Filters, or its dict from an API client); dates become YYYYMMDD ints and single
    values become lists."""
    if isinstance(filters, Filters):
        filters = filters.to_dict()
    if not filters:
        return {}
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise AssistantError(f"unknown filter {sorted(unknown)}; valid filters: {', '.join(FILTER_KEYS)}")
    out: dict = {}
    for key in ("source", "doc_ids"):
        value = filters.get(key)
        if value:
            out[key] = [value] if isinstance(value, str) else [str(v) for v in value]
    for key in ("date_from", "date_to"):
        value = filters.get(key)
        if value:
            day = normalise_date(str(value))
            if not day:
                raise AssistantError(f"filter {key}={value!r} is not a date; use YYYY-MM-DD")
            out[key] = date_int(day)
    return out


def chroma_where(f: dict) -> dict | None:
    """The same filters as a Chroma `where` clause."""
    clauses: list[dict] = []
    if "source" in f:
        clauses.append({"source": {"$in": f["source"]}})
    if "doc_ids" in f:
        clauses.append({"doc_id": {"$in": f["doc_ids"]}})
    if "date_from" in f:
        clauses.append({"date_int": {"$gte": f["date_from"]}})
    if "date_to" in f:
        clauses.append({"date_int": {"$lte": f["date_to"]}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def metadata_filter(f: dict) -> Callable[[dict], bool] | None:
    """The same filters as a predicate over chunk metadata, for BM25 results."""
    if not f:
        return None
    sources, doc_ids = set(f.get("source", ())), set(f.get("doc_ids", ()))
    lo, hi = f.get("date_from"), f.get("date_to")

    def keep(meta: dict) -> bool:
        day = meta.get("date_int", 0)
        return (
            (not sources or meta.get("source") in sources)
            and (not doc_ids or meta.get("doc_id") in doc_ids)
            and (lo is None or day >= lo)
            and (hi is None or day <= hi)
        )

    return keep


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = sum over lists of 1 / (k + rank), rank starting at 1."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _alternate(first: list[tuple[str, float]], second: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The two rankings taken in turns, one of each per turn (the higher score first), each id once."""
    out, seen = [], set()
    for i in range(max(len(first), len(second))):
        turn = sorted((r[i] for r in (first, second) if i < len(r)), key=lambda item: -item[1])
        for item in turn:
            if item[0] not in seen:
                seen.add(item[0])
                out.append(item)
    return out


class HybridRetriever:
    """Dense top-k and BM25 top-k over the same chunk ids, fused by reciprocal rank."""

    def __init__(
        self, store: Store, keyword: KeywordIndex, embedder: Embedder, candidates: int = 40, rrf_k=60
    ):
        if candidates < 1:
            raise ValueError(f"candidates must be at least 1, got {candidates}")
        self.store, self.keyword, self.embedder = store, keyword, embedder
        self.candidates, self.rrf_k = candidates, rrf_k

    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None) -> list[Hit]:
        if k < 1:
            raise AssistantError(f"k must be at least 1, got {k}")
        f = check_filters(filters)
        n = max(self.candidates, k)
        self.keyword.ensure()  # first: follows another process's write, for the dense side too
        dense, vector = [], None
        if not unreadable_by(self.embedder.english_only, query):
            vector = self.embedder.embed([query])[0]
            dense = self.store.query(vector, n, chroma_where(f))
        sparse = self.keyword.search(query, n, metadata_filter(f))
        found = {cid: (text, meta) for cid, _dist, text, meta in dense}
        sparse_ids = [cid for cid, _score, _meta in sparse]
        rankings = [[cid for cid, *_ in dense], sparse_ids]
        if self.embedder.cross_lingual and vector is not None:
            # BM25 cannot match a passage in the other script (Chinese for an English query), and the
            # embedder ranks passages in the query's own language above it. So each script gets its own
            # ranking: the query's own by dense and BM25 fused, the other's by dense alone, where passages
            # that write one of the query's names (Songhe: 松河) come first, as BM25 would rank them. The
            # hits take turns, one of each per turn, so that neither language crowds out the other: in one
            # fusion, the other script's passages pushed an English article's answer out of the top 8 of a
            # corpus with many Chinese pages.
            script, where = {"chinese": not is_chinese(query)}, chroma_where(f)
            other = self.store.query(vector, n, {"$and": [where, script]} if where else script)
            if not other:  # an index from before chunks recorded their script: the shared ranking's share
                other = [d for d in dense if other_script(query, d[2])]
            found.update({cid: (text, meta) for cid, _dist, text, meta in other})
            other = [(cid, titled(m.get("title", ""), text)) for cid, _d, text, m in other]
            named = [cid for cid, text in other if shares_romanised_name(query, text)]
            ranked = named + [cid for cid, _text in other if cid not in named]
            own = [cid for cid in rankings[0] if cid not in set(ranked)]
            fused = _alternate(reciprocal_rank_fusion([own, sparse_ids], self.rrf_k),
                               reciprocal_rank_fusion([ranked, ranked], self.rrf_k))[:k]  # fmt: skip
        else:
            fused = reciprocal_rank_fusion(rankings, self.rrf_k)[:k]
        missing = [cid for cid, _ in fused if cid not in found]
        found.update(self.store.get(missing))
        hits = []
        for cid, score in fused:
            if cid not in found:  # deleted between the BM25 snapshot and now
                continue
            text, meta = found[cid]
            hits.append(hit_from(cid, text, meta, score))
        return hits
