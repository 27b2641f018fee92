"""Our hybrid search as a llama-index retriever, for llama-index users' own query engines and agents.

    from assistant import Assistant
    from assistant.interfaces.llama_index import PolicyRetriever
    nodes = PolicyRetriever(Assistant(index_dir="index"), k=5).retrieve("foreign-funded enterprises 2024")

Each node is one passage; its metadata says where it comes from (doc_id, title, date, source, and the
passage's character offsets in its document), so answers built on it can cite it.
"""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.core import Assistant
from assistant.models import Filters, Hit


class PolicyRetriever(BaseRetriever):
    """`Assistant.search` (dense + BM25, fused) behind llama-index's retriever interface."""

    def __init__(self, assistant: Assistant, k: int = 10, filters: Filters | dict | None = None):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        super().__init__()
        self.assistant, self.k, self.filters = assistant, k, filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.assistant.search(query_bundle.query_str, k=self.k, filters=self.filters)
        return [NodeWithScore(node=node_of(h), score=h.score) for h in hits]


def node_of(hit: Hit) -> TextNode:
    """A passage as a llama-index node, keyed by its chunk id."""
    metadata = {"doc_id": hit.doc_id, "title": hit.title, "date": hit.date, "source": hit.source,
                "start": hit.start, "end": hit.end, "page": hit.page_start}  # fmt: skip
    return TextNode(id_=hit.chunk_id, text=hit.passage, metadata=metadata)
