"""The index's search: filters checked once and translated by the store, the situation fused with the
question, in-memory indexes kept apart, and dead writers' leases swept (Chroma in memory, hash embedder)."""

from __future__ import annotations

import os
import socket
import time

import pytest
from helpers import DATA

from assistant import Assistant
from assistant.config import make_settings
from assistant.index.filters import Scope
from assistant.index.search import reciprocal_rank_fusion
from assistant.index.store import chroma_where
from assistant.models import AssistantError, Filters


def test_a_scope_is_checked_once_and_written_in_chromas_syntax_by_the_store_alone():
    scope = Scope.of(Filters.of(source="gov.cn", date_from="2024-01-05", doc_ids=["a", "b"]))
    assert scope == Scope(("gov.cn",), ("a", "b"), 20240105, None)
    assert chroma_where(scope) == {"$and": [{"source": {"$in": ["gov.cn"]}}, {"doc_id": {"$in": ["a", "b"]}},
                                            {"date_int": {"$gte": 20240105}}]}  # fmt: skip
    assert chroma_where(Scope.of({"date_to": "2023-12-31"}), chinese=True) == {
        "$and": [{"date_int": {"$lte": 20231231}}, {"chinese": True}]
    }
    assert chroma_where(Scope()) is None and chroma_where(None, chinese=False) == {"chinese": False}
    assert scope.keeps({"source": "gov.cn", "doc_id": "a", "date_int": 20240105})
    assert not scope.keeps({"source": "gov.cn", "doc_id": "c", "date_int": 20250101})
    assert not scope.keeps({"source": "gov.cn", "doc_id": "a", "date_int": 20240104})
    assert not Scope.of(None) and not Scope.of({}) and Scope.of(scope) is scope
    with pytest.raises(AssistantError, match="valid filters: source, doc_ids, date_from, date_to"):
        Scope.of({"colour": "red"})
    with pytest.raises(AssistantError, match="date_from='soon' is not a date"):
        Scope.of({"date_from": "soon"})


def test_the_askers_situation_and_the_question_are_searched_apart_and_fused(fake_embedder):
    a = Assistant(embedder=fake_embedder)
    a.ingest([DATA / "synthetic_zone_notice.md", DATA / "synthetic_yunling_notice.txt",
              DATA / "synthetic_qingxi_2023_notice.txt"])  # fmt: skip
    situation, question = "I employ 60 staff in Maple Bay.", "Which firms may apply for the tram grants?"
    query, hits = a.retrieve(f"{situation} {question}")
    assert (query.situation, query.question) == (situation, question)
    alone, both = a.search(question), a.search(f"{situation} {question}")
    fused = reciprocal_rank_fusion([[h.chunk_id for h in alone], [h.chunk_id for h in both]])
    assert [(h.chunk_id, h.score) for h in hits] == [(cid, round(score, 6)) for cid, score in fused[:10]]
    assert a.retrieve(question)[1] == alone  # no situation: one search


def test_in_memory_indexes_of_two_folders_are_apart_and_one_folder_is_shared(tmp_path, fake_embedder):
    assert make_settings().in_memory  # conftest: fast tests keep Chroma in memory
    one = Assistant(index_dir=tmp_path / "one", embedder=fake_embedder)
    one.ingest([DATA / "synthetic_zone_notice.md"])
    assert Assistant(index_dir=tmp_path / "two", embedder=fake_embedder).chunk_count() == 0
    assert (
        Assistant(index_dir=tmp_path / "one", embedder=fake_embedder).chunk_count() == one.chunk_count() > 0
    )
    assert not (tmp_path / "one" / "chroma").exists()


def test_the_leases_of_writers_that_died_are_swept_and_live_ones_kept(fake_embedder):
    a = Assistant(embedder=fake_embedder)
    a.ingest([DATA / "synthetic_zone_notice.md"])  # opens the store and its state collection
    state, here = a.store._state, socket.gethostname()
    leases = {
        "lease:killed": {"pid": 2**22 + 7, "host": here, "beat": time.time()},  # no such process here
        "lease:silent": {"pid": 1, "host": "elsewhere", "beat": time.time() - 3600},
        "lease:working": {"pid": 1, "host": "elsewhere", "beat": time.time()},
        "lease:mine": {"pid": os.getpid(), "host": here, "beat": time.time()},
    }
    state.upsert(ids=list(leases), embeddings=[[1.0]] * len(leases), metadatas=list(leases.values()))
    a.ingest([DATA / "synthetic_yunling_notice.txt"])  # a write sweeps before it takes its own lease
    left = set(state.get(where={"beat": {"$gt": 0}})["ids"])
    assert left == {"lease:working", "lease:mine"}
