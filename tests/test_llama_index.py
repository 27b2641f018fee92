"""Our search as a llama-index retriever: real index, real model, llama-index's own retriever calls."""

from __future__ import annotations

import pytest
from helpers import DATA, SEED

from assistant import Assistant

pytestmark = pytest.mark.slow


def test_policy_retriever_returns_cited_nodes(tmp_path, real_embedder):
    from llama_index.core.schema import NodeWithScore

    from assistant.interfaces.llama_index import PolicyRetriever

    a = Assistant(index_dir=tmp_path / "index", embedder=real_embedder)
    a.ingest([SEED, DATA / "synthetic_zone_notice.md"])
    nodes = PolicyRetriever(a, k=3).retrieve(
        "How many foreign-funded enterprises were established in Beijing in 2024?"
    )
    assert nodes and all(isinstance(n, NodeWithScore) for n in nodes)
    top = nodes[0]
    assert "2,012" in top.node.get_content() and top.node.metadata["source"] == "www.chinanews.com"
    text = SEED.read_text(encoding="utf-8")
    m = top.node.metadata
    assert (
        m["end"] > m["start"] and top.node.get_content().strip()[:40] in text
    )  # offsets point at the passage

    only_maple = PolicyRetriever(a, k=3, filters={"source": ["synthetic.example"]})
    assert {n.node.metadata["source"] for n in only_maple.retrieve("green bond pilots")} == {
        "synthetic.example"
    }
    with pytest.raises(ValueError, match="k must be at least 1"):
        PolicyRetriever(a, k=0)
