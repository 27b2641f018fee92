"""Chroma, the single source of truth: a collection of chunks and a small collection of document records.

A document is written in three steps so a crash never leaves it half-indexed: its new chunks (and the
vectors of their sentences, which the answer selector reads) are added (ids carry the content hash), then
its record is upserted (the commit point), then chunks of older versions are deleted. Chunks without a
matching record are orphans and are swept on the next ingest.

Several processes may share one index. On an embedded index a writer holds a lock file for the whole
write, so writes take turns; on a `chroma run` server each writer holds a lease (a heartbeat in the state
collection) and tags its chunks with its token, so a sweep never deletes another writer's document in
progress (that protocol is in `writers`). A process notices another one's write through the store's
generation and reopens its embedded client, whose in-memory vector index would otherwise miss the new
chunks.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.config import SentenceVectorMode, Settings
from assistant.index.filters import Scope, date_int
from assistant.index.writers import Leases, LockFile
from assistant.models import (
    TITLE_SPAN,
    AssistantError,
    Chunk,
    Document,
    DocumentInfo,
    Frame,
    Hit,
    SentenceVectors,
)
from assistant.text.frames import FRAMES_VERSION, document_subject, frame_sentences, pack, unpack
from assistant.text.normalise import is_chinese

log = logging.getLogger(__name__)

_PAGE = 5000
__all__ = ["TITLE_SPAN", "ChromaStore", "SentenceVectors", "Store", "date_int"]


class Store(Protocol):
    """What the rest of the engine needs from the vector store."""

    def documents(self) -> dict[str, DocumentInfo]: ...
    def put_many(
        self, items: list[tuple], replace: bool = True, sentences: SentenceVectorMode | None = None
    ) -> None: ...
    def remove(self, doc_id: str) -> bool: ...
    def set_paths(self, doc_id: str, path: str, also_at: list[str]) -> None: ...
    def reframe(self, doc: Document) -> None: ...
    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, dict[tuple[int, int], np.ndarray]]: ...
    def sentence_mode(self) -> SentenceVectorMode | None: ...
    def query(
        self, vector: np.ndarray, k: int, scope: Scope | None = None, chinese: bool | None = None
    ) -> list[tuple[str, float, str, dict]]: ...
    def iter_chunks(self) -> Iterator[tuple[list[str], list[str], list[dict]]]: ...
    def chunk_vectors(self, ids: list[str]) -> dict[str, np.ndarray]: ...
    def get(self, ids: list[str]) -> dict[str, tuple[str, dict]]: ...
    def count(self) -> int: ...
    def fingerprint(self) -> str: ...
    def sweep_orphans(self) -> int: ...
    def writing(self) -> contextlib.AbstractContextManager[None]: ...


def chunk_id(doc: Document, index: int) -> str:
    return f"{doc.doc_id}::{doc.sha256[:12]}::{index}"


def _frames(doc: Document) -> tuple[str, list[Frame]]:
    """A document's subject and its sentences' frames: what each is about, and when."""
    subject = document_subject(doc.text, doc.title)
    return subject, frame_sentences(doc.text, doc.title, doc.date, subject)


def chunk_metadata(doc: Document, chunk: Chunk, writer: str = "", frames: list[Frame] | None = None,
                   subject: str = "") -> dict:  # fmt: skip
    """What the store keeps beside a chunk's text and vector; `hit_from` reads it back. `frames`: its
    document's sentence frames (`text.frames`), of which the chunk keeps its own; `subject`: the
    document's."""
    return {
        "subject": subject, "frames": pack(frames or [], chunk.start, chunk.end),
        "doc_id": doc.doc_id, "sha": doc.sha256[:12], "title": doc.title, "date": doc.date,
        "date_int": date_int(doc.date), "source": doc.source, "path": doc.path, "w": writer,
        "start": chunk.start, "end": chunk.end, "page_start": chunk.page_start, "page_end": chunk.page_end,
        "chinese": is_chinese(chunk.text),  # so a cross-language search can ask for the other script
    }  # fmt: skip


def document_record(doc: Document, chunks: int) -> dict:
    """A document's record (the commit point of its write); `info_from` reads it back. Stored content
    has no copies listed yet (`set_paths` lists them): a crash cannot leave old copies listed under it."""
    return {"title": doc.title, "date": doc.date, "source": doc.source, "path": doc.path,
            "sha256": doc.sha256, "chunks": chunks, "root": doc.root, "kind": doc.kind,
            "also_at": "", "framed": FRAMES_VERSION}  # fmt: skip


def embedding_record(settings: Settings) -> dict[str, str]:
    """What an index records about the embedder its vectors came from (in the state collection)."""
    if settings.embed_backend == "multilingual":
        return {"backend": "multilingual", "model": "multilingual-e5-small"}
    model = settings.embed_model.name if settings.embed_model else "all-MiniLM-L6-v2"
    return {"backend": settings.embed_backend, "model": model}


def _space(backend: str) -> str:
    """torch and onnx-int8 run the same model (vectors at cosine 0.99): one space; e5's is another."""
    return "e5" if backend == "multilingual" else "sentence-transformers"


def info_from(doc_id: str, meta: dict) -> DocumentInfo:
    return DocumentInfo(
        doc_id=doc_id, title=meta.get("title", ""), date=meta.get("date", ""), source=meta.get("source", ""),
        path=meta.get("path", ""), chunks=int(meta.get("chunks", 0)), sha256=meta.get("sha256", ""),
        root=meta.get("root", ""), kind=meta.get("kind", ""),
        also_at=tuple(json.loads(meta.get("also_at") or "[]")),
        framed=int(meta.get("framed", 0)) >= FRAMES_VERSION,
    )  # fmt: skip


FILTER_FIELDS = ("doc_id", "date_int", "source", "title")  # what filters (and BM25's titles) need of a chunk


def hit_from(chunk_id: str, text: str, meta: dict, score: float) -> Hit:
    """A search result from a stored chunk: the inverse of `chunk_metadata`."""
    return Hit(
        doc_id=meta.get("doc_id", ""), chunk_id=chunk_id, score=round(score, 6), passage=text,
        start=int(meta.get("start", 0)), end=int(meta.get("end", 0)), title=meta.get("title", ""),
        date=meta.get("date", ""), source=meta.get("source", ""), path=meta.get("path", ""),
        page_start=int(meta.get("page_start", 0)), page_end=int(meta.get("page_end", 0)),
        subject=meta.get("subject", ""), frames=unpack(meta.get("frames", "")),
    )  # fmt: skip


def chroma_where(scope: Scope | None, chinese: bool | None = None) -> dict | None:
    """A scope (and a script, when given) as a Chroma `where` clause."""
    clauses: list[dict] = []
    if scope and scope.sources:
        clauses.append({"source": {"$in": list(scope.sources)}})
    if scope and scope.doc_ids:
        clauses.append({"doc_id": {"$in": list(scope.doc_ids)}})
    if scope and scope.date_from is not None:
        clauses.append({"date_int": {"$gte": scope.date_from}})
    if scope and scope.date_to is not None:
        clauses.append({"date_int": {"$lte": scope.date_to}})
    where = None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
    if chinese is None:
        return where
    return {"$and": [where, {"chinese": chinese}]} if where else {"chinese": chinese}


class ChromaStore:
    """Embedded `PersistentClient` under the index dir, `HttpClient` to a `chroma run` server, or with
    `in_memory` an `EphemeralClient` that keeps nothing (tests, throwaway use)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._client = None
        self._chunks = None
        self._docs = None
        self._state = None
        self._sentences = None
        self._generation: str | None = None  # the last generation this process wrote or read
        self._token = ""  # this process's writer token while it writes
        self._exclusive = False  # holding the embedded index's lock file
        self._leases = Leases(lambda: self._state, self._call)
        self._connecting = threading.Lock()
        self._snapshot: Path | None = None  # a copy of a read-only embedded index, opened for reading
        self._embedding: dict | None = None  # the index's record of its embedder; None until first write
        self._unrecorded = False  # chunks, but no record: made before records, so encoded

    def _connect(self) -> None:
        if self._client is not None:
            return
        with self._connecting:
            if self._client is None:
                self._open()

    def _open(self) -> None:
        s = self.settings
        with contextlib.ExitStack() as stack:
            if not s.chroma_host and not s.in_memory:
                # Two processes creating one fresh index at once would both create its tables.
                with contextlib.suppress(AssistantError):  # a read-only index is opened without it
                    stack.enter_context(LockFile(s.index_dir / "open.lock", s.write_wait))
            for attempt in range(3):
                try:
                    return self._open_collections()
                except AssistantError as exc:
                    if "already exists" not in str(exc) or attempt == 2:
                        raise
                    time.sleep(0.5)  # another client created it meanwhile; the next try finds it

    def _read_only_copy(self) -> Path:
        """Chroma cannot open a database it may not write: read a private copy, and refuse writes."""
        import atexit
        import shutil
        import tempfile

        if self._snapshot is None:
            log.warning("the index at %s is read-only: reading a copy of it; writes are refused",
                        self.settings.chroma_dir)  # fmt: skip
            folder = Path(tempfile.mkdtemp(prefix="policy-assistant-read-only-"))
            atexit.register(shutil.rmtree, folder, True)
            shutil.copytree(self.settings.chroma_dir, folder / "chroma")
            self._snapshot = folder / "chroma"
        return self._snapshot

    def _open_collections(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        s = self.settings
        try:
            if s.chroma_host:
                client = chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port, settings=chroma_settings)
            elif s.in_memory:
                client = chromadb.EphemeralClient(settings=chroma_settings)
            else:
                s.chroma_dir.mkdir(parents=True, exist_ok=True)
                path = self._snapshot or s.chroma_dir
                try:
                    client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
                except Exception as exc:
                    if "readonly" not in str(exc).replace("-", "") or self._snapshot is not None:
                        raise
                    copy = self._read_only_copy()
                    client = chromadb.PersistentClient(path=str(copy), settings=chroma_settings)
            # embedding_function=None: vectors come from our embedder; Chroma's default downloads a model.
            name = s.collection
            if s.in_memory:  # one in-memory database per process: an index of its own per index dir
                name += "_" + hashlib.sha256(str(s.index_dir.resolve()).encode()).hexdigest()[:12]
            chunks = client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            docs = client.get_or_create_collection(f"{name}_docs", embedding_function=None)
            state = client.get_or_create_collection(f"{name}_state", embedding_function=None)
            sentences = client.get_or_create_collection(f"{name}_sentences", embedding_function=None)
        except OSError as exc:  # read-only, full, or a file where the index folder should be
            raise AssistantError(f"cannot open the index at {s.chroma_dir}: {exc.strerror or exc}") from None
        except Exception as exc:
            raise self._error(exc) from None
        self._embedding = self._check_embedding(state, chunks)
        self._client, self._chunks, self._docs, self._state = client, chunks, docs, state
        self._sentences = sentences

    def _check_embedding(self, state, chunks) -> dict | None:
        """The index's embedder record; refuses a run whose backend makes vectors of another space (same
        dimension, so Chroma would not notice). An index with chunks but no record predates the record,
        and the multilingual backend: it was built with torch or onnx-int8."""
        s = self.settings
        try:
            got = state.get(ids=["embedding"], include=["metadatas"])
            record = got["metadatas"][0] if got["ids"] else None
            if record is None and chunks.count():
                record = {"backend": "torch", "model": "all-MiniLM-L6-v2, before backends were recorded"}
        except Exception as exc:
            raise self._error(exc) from None
        if record is not None and _space(record.get("backend", "")) != _space(s.embed_backend):
            place = s.index_dir if not s.chroma_host else f"{s.collection} on {s.chroma_host}:{s.chroma_port}"
            other = "a new --index" if not s.chroma_host else "another collection"
            raise AssistantError(
                f"index {place} was built with embedding backend {record.get('backend')!r} "
                f"({record.get('model')}); this run asks for {s.embed_backend!r}: "
                f"use --embed-backend {record.get('backend')}, or {other}"
            )
        return record if got["ids"] else None

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

    @contextlib.contextmanager
    def writing(self):
        """Hold the right to write: the lock file of an embedded index (waiting for another process's
        write to finish), and a lease; start from the latest state in either case."""
        s = self.settings
        self._connect()
        if self._snapshot is not None:
            raise AssistantError(f"the index at {s.index_dir} is read-only: it can be searched, not changed")
        with contextlib.ExitStack() as stack:
            if not s.chroma_host and not s.in_memory:
                stack.enter_context(LockFile(s.index_dir / "write.lock", s.write_wait))
                self._exclusive = True
                stack.callback(setattr, self, "_exclusive", False)
            self._follow(self._read_generation())
            self._token = stack.enter_context(self._leases.held())
            stack.callback(setattr, self, "_token", "")
            yield

    def _read_generation(self) -> str | None:
        got = self._call(self._state.get, ids=["generation"], include=["metadatas"])
        return got["metadatas"][0]["g"] if got["ids"] else None

    def _follow(self, generation: str | None) -> None:
        """Another process changed an embedded index since this one last looked: reopen the client, whose
        in-memory vector index only knows this process's own writes."""
        embedded = not self.settings.chroma_host and not self.settings.in_memory
        if generation != self._generation and self._generation is not None and embedded:
            self._reopen()
        self._generation = generation

    def _reopen(self) -> None:
        from chromadb.api.shared_system_client import SharedSystemClient

        log.info("the index changed in another process: reopening %s", self.settings.chroma_dir)
        with self._connecting:
            SharedSystemClient.clear_system_cache()  # clients already open keep their own system
            self._open()

    def documents(self) -> dict[str, DocumentInfo]:
        self._connect()
        got = self._call(self._docs.get, include=["metadatas"])
        return {
            doc_id: info_from(doc_id, meta) for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        }

    def put_many(self, items: list[tuple], replace: bool = True, sentences: SentenceVectorMode | None = None,
                 ) -> None:  # fmt: skip
        """Store several documents, each (Document, chunks, chunk vectors[, SentenceVectors]): all chunks and
        sentence vectors, then all records (the commit point), then stale chunks and sentences go.

        `replace=False` skips the stale delete for documents that had no earlier version; `sentences` says
        how the sentence vectors were made (recorded by the first write; encoded if not given).
        """
        self._connect()
        ids, vecs, texts, metas, records = [], [], [], [], []
        s_ids, s_metas = [], []
        for doc, chunks, vectors, *rest in items:
            ids.extend(chunk_id(doc, c.index) for c in chunks)
            vecs.extend(vectors)
            texts.extend(c.text for c in chunks)
            subject, framed = _frames(doc)
            metas.extend(chunk_metadata(doc, c, self._token, framed, subject) for c in chunks)
            if rest and rest[0] is not None:
                for index, packed in _pack(rest[0]).items():
                    s_ids.append(chunk_id(doc, index))
                    s_metas.append({"doc_id": doc.doc_id, "sha": doc.sha256[:12], "w": self._token} | packed)
            records.append(document_record(doc, len(chunks)))
        step = min(_PAGE, self._call(self._client.get_max_batch_size))
        if self._embedding is None and ids:  # the first write records which embedder made the vectors
            self._embedding = embedding_record(self.settings) | {"sentences": sentences or "encoded"}
            self._call(self._state.upsert, ids=["embedding"], embeddings=[[1.0]], metadatas=[self._embedding])
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

    def sentence_mode(self) -> SentenceVectorMode | None:
        """How this index's sentence vectors were made; None while it is empty. An index that predates the
        record encoded each sentence alone."""
        self._connect()
        if self._embedding is None and not self._unrecorded:  # empty when opened: maybe written since
            got = self._call(self._state.get, ids=["embedding"], include=["metadatas"])
            self._embedding = got["metadatas"][0] if got["ids"] else None
            self._unrecorded = self._embedding is None and self.count() > 0  # asked once, not per question
        if self._embedding is None:
            return "encoded" if self._unrecorded else None
        return self._embedding.get("sentences", "encoded")

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

    def reframe(self, doc: Document) -> None:
        """Store the sentence frames of a document indexed before frames were kept, its content unchanged:
        its chunks' records gain them (their text and vectors stay), then its record says so. Chunks cut
        from another reading of the same bytes (an older reader) are left as they are."""
        self._connect()
        got = self._call(self._docs.get, ids=[doc.doc_id], include=["metadatas"])
        if not got["ids"] or got["metadatas"][0].get("sha256") != doc.sha256:
            return
        where = {"$and": [{"doc_id": doc.doc_id}, {"sha": doc.sha256[:12]}]}
        chunks = self._call(self._chunks.get, where=where, include=["metadatas", "documents"])
        pairs = zip(chunks["metadatas"], chunks["documents"], strict=True)
        if any(doc.text[int(m["start"]) : int(m["end"])] != text for m, text in pairs):
            log.info("%s: stored by another version of the reader; its frames are read from each passage",
                     doc.doc_id)  # fmt: skip
            return  # offsets into another reading of the bytes would frame the wrong sentences
        subject, framed = _frames(doc)
        metas = [m | {"subject": subject, "frames": pack(framed, int(m["start"]), int(m["end"]))}
                 for m in chunks["metadatas"]]  # fmt: skip
        step = min(_PAGE, self._call(self._client.get_max_batch_size))
        for i in range(0, len(metas), step):
            self._call(self._chunks.update, ids=chunks["ids"][i : i + step], metadatas=metas[i : i + step])
        record = dict(got["metadatas"][0]) | {"framed": FRAMES_VERSION}
        self._call(self._docs.upsert, ids=[doc.doc_id], embeddings=[[1.0]], metadatas=[record])
        self._bump()

    def set_paths(self, doc_id: str, path: str, also_at: list[str]) -> None:
        """List where a document's content was ingested from: its own path and identical copies (a JSON
        list in the record: Chroma metadata holds no lists)."""
        self._connect()
        got = self._call(self._docs.get, ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            return
        record = dict(got["metadatas"][0]) | {"path": path, "also_at": json.dumps(also_at) if also_at else ""}
        self._call(self._docs.upsert, ids=[doc_id], embeddings=[[1.0]], metadatas=[record])
        self._bump()

    def _bump(self) -> None:
        """Record that the collection changed: readers compare this generation instead of every record."""
        generation = uuid.uuid4().hex
        self._call(self._state.upsert, ids=["generation"], embeddings=[[1.0]], metadatas=[{"g": generation}])
        self._generation = generation

    def query(
        self, vector: np.ndarray, k: int, scope: Scope | None = None, chinese: bool | None = None
    ) -> list[tuple[str, float, str, dict]]:
        """The `k` chunks nearest the vector inside the scope (and of one script, when `chinese` is
        given): (id, distance, text, metadata)."""
        self._connect()
        n = self.count()
        if not n:
            return []
        args = {"query_embeddings": [np.asarray(vector, dtype=np.float32)], "n_results": min(k, n),
                "where": chroma_where(scope, chinese),
                "include": ["documents", "metadatas", "distances"]}  # fmt: skip
        try:
            got = self._chunks.query(**args)
        except Exception as exc:
            if self.settings.chroma_host or self.settings.in_memory or "finding id" not in str(exc):
                raise self._error(exc) from None
            self._reopen()  # a filter matched chunks another process wrote after this one opened
            got = self._call(self._chunks.query, **args)
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

    def chunk_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored embeddings of these chunks, by id (for tools that copy or blend an index)."""
        if not ids:
            return {}
        self._connect()
        got = self._call(self._chunks.get, ids=list(ids), include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def count(self) -> int:
        self._connect()
        return self._call(self._chunks.count)

    def fingerprint(self) -> str:
        """Changes whenever a document is added, changed or removed, or the chunk count moves.

        Cheap (one record and a count) so searches can check it; a store written before generations
        existed is fingerprinted from all its document records instead.
        """
        self._connect()
        generation = self._read_generation()
        if generation is not None:
            self._follow(generation)
            return f"{generation}:{self.count()}"
        docs = self.documents()
        h = hashlib.sha256(str(self.count()).encode())
        for doc_id in sorted(docs):
            h.update(f"\0{doc_id}\0{docs[doc_id].sha256}\0{docs[doc_id].chunks}".encode())
        return h.hexdigest()

    def sweep_orphans(self) -> int:
        """Delete chunks left by an interrupted write (no record, or a hash other than the record's) and
        the sentence vectors written with them. Chunks of a writer still at work on a shared server are
        kept: their record comes when that writer commits."""
        live = {doc_id: info.sha256[:12] for doc_id, info in self.documents().items()}
        found: dict[tuple[str, str], tuple[str, list[str]]] = {}
        offset = 0
        while True:
            got = self._call(self._chunks.get, include=["metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                break
            for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
                if live.get(meta.get("doc_id")) != meta.get("sha"):
                    key = (meta.get("doc_id", ""), meta.get("sha", ""))
                    found.setdefault(key, (meta.get("w", ""), []))[1].append(cid)
            offset += len(got["ids"])
        if not found:
            return 0
        busy = set() if self._exclusive else self._leases.live() - {self._token}
        now = {doc_id: info.sha256[:12] for doc_id, info in self.documents().items()}  # committed meanwhile?
        stale = 0
        for (doc_id, sha), (writer, ids) in found.items():
            if (writer and writer in busy) or now.get(doc_id) == sha:
                continue
            for i in range(0, len(ids), _PAGE):
                self._call(self._chunks.delete, ids=ids[i : i + _PAGE])
            self._call(self._sentences.delete, where={"$and": [{"doc_id": doc_id}, {"sha": sha}]})
            stale += len(ids)
        if stale:
            log.warning("removed %d chunks left by an interrupted ingest", stale)
        return stale


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
