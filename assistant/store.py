"""Chroma, the single source of truth: a collection of chunks and a small collection of document records.

A document is written in three steps so a crash never leaves it half-indexed: its new chunks (and the
vectors of their sentences, which the answer selector reads) are added (ids carry the content hash), then
its record is upserted (the commit point), then chunks of older versions are deleted. Chunks without a
matching record are orphans and are swept on the next ingest.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .config import Settings
from .models import AssistantError, Chunk, Document, DocumentInfo

log = logging.getLogger(__name__)

_PAGE = 5000


class Store(Protocol):
    """What the rest of the engine needs from the vector store."""

    def documents(self) -> dict[str, DocumentInfo]: ...
    def put_many(
        self, items: list[tuple[Document, list[Chunk], np.ndarray]], replace: bool = True
    ) -> None: ...
    def remove(self, doc_id: str) -> bool: ...
    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, dict[tuple[int, int], np.ndarray]]: ...
    def query(self, vector: np.ndarray, k: int, where: dict | None) -> list[tuple[str, float, str, dict]]: ...
    def iter_chunks(self) -> Iterator[tuple[list[str], list[str], list[dict]]]: ...
    def get(self, ids: list[str]) -> dict[str, tuple[str, dict]]: ...
    def count(self) -> int: ...
    def fingerprint(self) -> str: ...
    def sweep_orphans(self) -> int: ...


def chunk_id(doc: Document, index: int) -> str:
    return f"{doc.doc_id}::{doc.sha256[:12]}::{index}"


TITLE_SPAN = (-1, -1)  # where a chunk's sentence vectors keep its document title's vector


@dataclass
class SentenceVectors:
    """Vectors of the sentences of one document's chunks: (chunk index, start, end) offsets in the chunk;
    the span TITLE_SPAN holds the vector of the document's title."""

    spans: list[tuple[int, int, int]]
    vectors: np.ndarray


def date_int(date: str) -> int:
    """YYYY-MM-DD -> YYYYMMDD (Chroma range filters need numbers); 0 when unknown."""
    digits = date.replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


class ChromaStore:
    """Embedded `PersistentClient` under the index dir, or `HttpClient` to a `chroma run` server."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._client = None
        self._chunks = None
        self._docs = None
        self._state = None
        self._sentences = None

    def _connect(self) -> None:
        if self._client is not None:
            return
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        s = self.settings
        try:
            if s.chroma_host:
                client = chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port, settings=chroma_settings)
            else:
                s.chroma_dir.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(s.chroma_dir), settings=chroma_settings)
            # embedding_function=None: vectors come from our embedder; Chroma's default downloads a model.
            chunks = client.get_or_create_collection(
                s.collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            docs = client.get_or_create_collection(f"{s.collection}_docs", embedding_function=None)
            state = client.get_or_create_collection(f"{s.collection}_state", embedding_function=None)
            sentences = client.get_or_create_collection(f"{s.collection}_sentences", embedding_function=None)
        except OSError as exc:  # read-only, full, or a file where the index folder should be
            raise AssistantError(f"cannot open the index at {s.chroma_dir}: {exc.strerror or exc}") from None
        except Exception as exc:
            raise self._error(exc) from None
        self._client, self._chunks, self._docs, self._state = client, chunks, docs, state
        self._sentences = sentences

    def _error(self, exc: Exception) -> AssistantError:
        s = self.settings
        if s.chroma_host:
            return AssistantError(
                f"cannot reach Chroma at {s.chroma_host}:{s.chroma_port}: {_first_line(exc)}"
            )
        return AssistantError(f"Chroma failed on {s.chroma_dir}: {_first_line(exc)}")

    def _call(self, fn, *args, **kwargs):
        self._connect()
        try:
            return fn(*args, **kwargs)
        except AssistantError:
            raise
        except Exception as exc:
            raise self._error(exc) from None

    def documents(self) -> dict[str, DocumentInfo]:
        self._connect()
        got = self._call(self._docs.get, include=["metadatas"])
        out = {}
        for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            out[doc_id] = DocumentInfo(
                doc_id=doc_id,
                title=meta.get("title", ""),
                date=meta.get("date", ""),
                source=meta.get("source", ""),
                path=meta.get("path", ""),
                chunks=int(meta.get("chunks", 0)),
                sha256=meta.get("sha256", ""),
                root=meta.get("root", ""),
                kind=meta.get("kind", ""),
            )
        return out

    def put_many(self, items: list[tuple], replace: bool = True) -> None:
        """Store several documents, each (Document, chunks, chunk vectors[, SentenceVectors]): all chunks and
        sentence vectors, then all records (the commit point), then stale chunks and sentences go.

        `replace=False` skips the stale delete for documents that had no earlier version.
        """
        self._connect()
        ids, vecs, texts, metas, records = [], [], [], [], []
        s_ids, s_metas = [], []
        for doc, chunks, vectors, *rest in items:
            base = {
                "doc_id": doc.doc_id,
                "sha": doc.sha256[:12],
                "title": doc.title,
                "date": doc.date,
                "date_int": date_int(doc.date),
                "source": doc.source,
                "path": doc.path,
            }
            ids.extend(chunk_id(doc, c.index) for c in chunks)
            vecs.extend(vectors)
            texts.extend(c.text for c in chunks)
            metas.extend(
                base | {"start": c.start, "end": c.end, "page_start": c.page_start, "page_end": c.page_end}
                for c in chunks
            )
            if rest and rest[0] is not None:
                for index, packed in _pack(rest[0]).items():
                    s_ids.append(chunk_id(doc, index))
                    s_metas.append({"doc_id": doc.doc_id, "sha": base["sha"]} | packed)
            records.append(
                {k: base[k] for k in ("title", "date", "source", "path")}
                | {"sha256": doc.sha256, "chunks": len(chunks), "root": doc.root, "kind": doc.kind}
            )
        step = min(_PAGE, self._call(self._client.get_max_batch_size))
        for i in range(0, len(ids), step):
            self._call(
                self._chunks.upsert,
                ids=ids[i : i + step],
                embeddings=np.asarray(vecs[i : i + step], dtype=np.float32),
                documents=texts[i : i + step],
                metadatas=metas[i : i + step],
            )
        for i in range(0, len(s_ids), step):  # vectors travel packed in metadata: no index is built on them
            self._call(
                self._sentences.upsert,
                ids=s_ids[i : i + step],
                embeddings=[[1.0]] * len(s_ids[i : i + step]),
                metadatas=s_metas[i : i + step],
            )
        doc_ids = [doc.doc_id for doc, *_ in items]
        for i in range(0, len(doc_ids), step):
            self._call(
                self._docs.upsert,
                ids=doc_ids[i : i + step],
                embeddings=[[1.0]] * len(doc_ids[i : i + step]),
                metadatas=records[i : i + step],
            )
        if replace:
            for doc, *_ in items:
                where = {"$and": [{"doc_id": doc.doc_id}, {"sha": {"$ne": doc.sha256[:12]}}]}
                self._call(self._chunks.delete, where=where)
                self._call(self._sentences.delete, where=where)
        self._bump()

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, dict[tuple[int, int], np.ndarray]]:
        """Stored sentence vectors of these chunks: chunk id -> (start, end) in the chunk -> unit vector."""
        if not chunk_ids:
            return {}
        self._connect()
        got = self._call(self._sentences.get, ids=list(dict.fromkeys(chunk_ids)), include=["metadatas"])
        return {cid: _unpack(meta) for cid, meta in zip(got["ids"], got["metadatas"], strict=True)}

    def remove(self, doc_id: str) -> bool:
        self._connect()
        if not self._call(self._docs.get, ids=[doc_id], include=[])["ids"]:
            return False
        self._call(self._docs.delete, ids=[doc_id])
        self._call(self._chunks.delete, where={"doc_id": doc_id})
        self._call(self._sentences.delete, where={"doc_id": doc_id})
        self._bump()
        return True

    def _bump(self) -> None:
        """Record that the collection changed: readers compare this generation instead of every record."""
        self._call(
            self._state.upsert, ids=["generation"], embeddings=[[1.0]], metadatas=[{"g": uuid.uuid4().hex}]
        )

    def query(self, vector: np.ndarray, k: int, where: dict | None) -> list[tuple[str, float, str, dict]]:
        self._connect()
        n = self.count()
        if not n:
            return []
        got = self._call(
            self._chunks.query,
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(k, n),
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        return list(
            zip(got["ids"][0], got["distances"][0], got["documents"][0], got["metadatas"][0], strict=True)
        )

    def get(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        """Text and metadata of the given chunks, by id (ids no longer stored are left out)."""
        if not ids:
            return {}
        self._connect()
        got = self._call(self._chunks.get, ids=list(ids), include=["documents", "metadatas"])
        return {i: (t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}

    def iter_chunks(self) -> Iterator[tuple[list[str], list[str], list[dict]]]:
        """All chunks, a page at a time: (ids, texts, metadatas)."""
        self._connect()
        offset = 0
        while True:
            got = self._call(self._chunks.get, include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got["documents"], got["metadatas"]
            offset += len(got["ids"])

    def count(self) -> int:
        self._connect()
        return self._call(self._chunks.count)

    def fingerprint(self) -> str:
        """Changes whenever a document is added, changed or removed, or the chunk count moves.

        Cheap (one record and a count) so searches can check it; a store written before generations
        existed is fingerprinted from all its document records instead.
        """
        self._connect()
        got = self._call(self._state.get, ids=["generation"], include=["metadatas"])
        if got["ids"]:
            return f"{got['metadatas'][0]['g']}:{self.count()}"
        docs = self.documents()
        h = hashlib.sha256(str(self.count()).encode())
        for doc_id in sorted(docs):
            h.update(f"\0{doc_id}\0{docs[doc_id].sha256}\0{docs[doc_id].chunks}".encode())
        return h.hexdigest()

    def sweep_orphans(self) -> int:
        """Delete chunks left by an interrupted write (no record, or a hash other than the record's) and
        the sentence vectors written with them (always after their chunks, so found through them)."""
        live = {doc_id: info.sha256[:12] for doc_id, info in self.documents().items()}
        stale, versions = [], set()
        offset = 0
        while True:
            got = self._call(self._chunks.get, include=["metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                break
            for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
                if live.get(meta.get("doc_id")) != meta.get("sha"):
                    stale.append(cid)
                    versions.add((meta.get("doc_id", ""), meta.get("sha", "")))
            offset += len(got["ids"])
        for i in range(0, len(stale), _PAGE):
            self._call(self._chunks.delete, ids=stale[i : i + _PAGE])
        for doc_id, sha in versions:
            self._call(self._sentences.delete, where={"$and": [{"doc_id": doc_id}, {"sha": sha}]})
        if stale:
            log.warning("removed %d chunks left by an interrupted ingest", len(stale))
        return len(stale)


def _pack(sv: SentenceVectors) -> dict[int, dict[str, str]]:
    """Per chunk index: its spans ("a:b;a:b") and their vectors as base64 float16, one metadata record."""
    rows: dict[int, tuple[list[str], list[np.ndarray]]] = {}
    for (index, a, b), vec in zip(sv.spans, sv.vectors, strict=True):
        spans, vecs = rows.setdefault(index, ([], []))
        spans.append(f"{a}:{b}")
        vecs.append(vec)
    return {
        index: {
            "spans": ";".join(spans),
            "vectors": base64.b64encode(np.asarray(vecs, "<f2").tobytes()).decode(),
        }
        for index, (spans, vecs) in rows.items()
    }


def _unpack(meta: dict) -> dict[tuple[int, int], np.ndarray]:
    spans = [tuple(int(x) for x in span.split(":")) for span in meta.get("spans", "").split(";") if span]
    flat = np.frombuffer(base64.b64decode(meta.get("vectors", "")), dtype="<f2").astype(np.float32)
    vectors = flat.reshape(len(spans), -1) if spans else flat.reshape(0, 0)
    return dict(zip(spans, vectors, strict=True))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__
