"""Search, the index's answer to a query: dense (the store) and BM25 candidates fused by reciprocal rank,
inside a `Scope`; with the asker's situation, the question alone and situation + question fused again.
Reasoning asks this and never sees the store's query syntax."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from assistant.index.embeddings import Embedder
from assistant.index.filters import Scope
from assistant.index.keyword import KeywordIndex
from assistant.index.store import Store, hit_from
from assistant.models import AssistantError, Filters, Hit
from assistant.text.chunking import titled
from assistant.text.normalise import is_chinese, other_script, shares_romanised_name, unreadable_by

log = logging.getLogger(__name__)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = sum over lists of 1 / (k + rank), rank starting at 1."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def alternate(first: list[tuple[str, float]], second: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The two rankings taken in turns, one of each per turn (the higher score first), each id once."""
    out, seen = [], set()
    for i in range(max(len(first), len(second))):
        turn = sorted((r[i] for r in (first, second) if i < len(r)), key=lambda item: -item[1])
        for item in turn:
            if item[0] not in seen:
                seen.add(item[0])
                out.append(item)
    return out


class Search:
    """Dense top-k and BM25 top-k over the same chunk ids, fused by reciprocal rank."""

    def __init__(
        self, store: Store, keyword: KeywordIndex, embedder: Embedder, candidates: int = 40, rrf_k=60
    ):
        if candidates < 1:
            raise ValueError(f"candidates must be at least 1, got {candidates}")
        self.store, self.keyword, self.embedder = store, keyword, embedder
        self.candidates, self.rrf_k = candidates, rrf_k

    def search(
        self, query: str, k: int = 10, filters: Filters | dict | Scope | None = None, situation: str = ""
    ) -> list[Hit]:
        """The `k` best passages for a query. With the asker's `situation`, the query alone and the
        situation followed by the query are searched and their rankings fused."""
        if k < 1:
            raise AssistantError(f"k must be at least 1, got {k}")
        scope = Scope.of(filters)
        hits = self._search(query, k, scope)
        if not situation:
            return hits
        both = self._search(f"{situation} {query}".strip(), k, scope)
        by_id = {h.chunk_id: h for h in both + hits}
        fused = reciprocal_rank_fusion([[h.chunk_id for h in hits], [h.chunk_id for h in both]])[:k]
        return [replace(by_id[cid], score=round(score, 6)) for cid, score in fused]

    def _search(self, query: str, k: int, scope: Scope) -> list[Hit]:
        n = max(self.candidates, k)
        self.keyword.ensure()  # first: follows another process's write, for the dense side too
        dense, vector = [], None
        if not unreadable_by(self.embedder.english_only, query):
            vector = self.embedder.embed([query])[0]
            dense = self.store.query(vector, n, scope)
        sparse = self.keyword.search(query, n, scope.keeps if scope else None)
        found = {cid: (text, meta) for cid, _dist, text, meta in dense}
        dense_ids, sparse_ids = [cid for cid, *_ in dense], [cid for cid, _score, _meta in sparse]
        if self.embedder.cross_lingual and vector is not None:
            fused = self._by_script(query, vector, n, scope, dense, dense_ids, sparse_ids, found)[:k]
        else:
            fused = reciprocal_rank_fusion([dense_ids, sparse_ids], self.rrf_k)[:k]
        missing = [cid for cid, _ in fused if cid not in found]
        found.update(self.store.get(missing))
        # a chunk deleted between the BM25 snapshot and now is left out
        return [hit_from(cid, *found[cid], score) for cid, score in fused if cid in found]

    def _by_script(self, query, vector, n, scope, dense, dense_ids, sparse_ids, found):
        """Each script its own ranking, taken in turns.

        BM25 cannot match a passage in the other script (Chinese for an English query), and the embedder
        ranks passages in the query's own language above it. So the query's own script is ranked by dense
        and BM25 fused, the other's by dense alone, where passages that write one of the query's names
        (Songhe: 松河) come first, as BM25 would rank them. In one fusion, the other script's passages
        pushed an English article's answer out of the top 8 of a corpus with many Chinese pages."""
        other = self.store.query(vector, n, scope, chinese=not is_chinese(query))
        if not other:  # an index from before chunks recorded their script: the shared ranking's share
            other = [d for d in dense if other_script(query, d[2])]
        found.update({cid: (text, meta) for cid, _dist, text, meta in other})
        other = [(cid, titled(m.get("title", ""), text)) for cid, _d, text, m in other]
        named = [cid for cid, text in other if shares_romanised_name(query, text)]
        ranked = named + [cid for cid, _text in other if cid not in named]
        own = [cid for cid in dense_ids if cid not in set(ranked)]
        return alternate(reciprocal_rank_fusion([own, sparse_ids], self.rrf_k),
                         reciprocal_rank_fusion([ranked, ranked], self.rrf_k))  # fmt: skip
