"""Ingest: discover inputs, skip unchanged content (sha256), chunk, embed in large batches, store, prune."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.config import Settings
from assistant.index.embeddings import Embedder
from assistant.index.keyword import KeywordIndex
from assistant.index.store import TITLE_SPAN, SentenceVectors, Store
from assistant.models import Cancelled, Chunk, Document, IngestReport, InputError
from assistant.text.chunking import Chunker, sentence_spans, titled
from assistant.text.documents import Source, discover, parse, read_bytes, sha256

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    doc: Document
    chunks: list[Chunk]
    is_update: bool


class Ingestor:
    """Keeps the store in step with files and URLs; every good input is stored even when others fail."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder, keyword: KeywordIndex):
        self.settings, self.store, self.embedder, self.keyword = settings, store, embedder, keyword
        self.chunker = Chunker(embedder.count_tokens, settings.chunk_tokens, settings.overlap_sentences)

    def run(self, inputs: list[str], prune: bool = False, progress: bool = False,
            cancel: threading.Event | None = None) -> IngestReport:  # fmt: skip
        """Ingest; on Ctrl-C or `cancel`, the chunks of documents not yet committed are deleted before
        the interruption goes on, so no document is left half-indexed."""
        self._cancel = cancel
        try:
            return self._run(inputs, prune, progress)
        except BaseException:
            with contextlib.suppress(Exception):
                self.store.sweep_orphans()
            raise

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled()

    def _run(self, inputs: list[str], prune: bool, progress: bool) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        sources, report.failed, roots = discover([str(i) for i in inputs])
        self.store.sweep_orphans()
        existing = self.store.documents()
        seen: set[str] = set()
        pending: list[_Pending] = []
        bar = _progress(len(sources), progress)
        for source in sources:
            self._check_cancel()
            bar.set_postfix_str(source.doc_id[-40:], refresh=False)
            if source.doc_id in seen:
                bar.update(1)
                continue
            seen.add(source.doc_id)
            item = self._prepare(source, existing, report)
            if item is not None:
                pending.append(item)
                if sum(len(p.chunks) for p in pending) >= self.settings.ingest_batch:
                    self._flush(pending, report)
                    pending = []
            bar.update(1)
        self._flush(pending, report)
        bar.close()
        if prune:
            for doc_id, info in existing.items():
                if info.root and info.root in roots and doc_id not in seen and self.store.remove(doc_id):
                    report.removed.append(doc_id)
        if report.added or report.updated or report.removed:
            self.keyword.ensure(force=True)
        report.seconds = time.perf_counter() - started
        return report

    def _prepare(self, source: Source, existing: dict, report: IngestReport) -> _Pending | None:
        """Read and chunk one source; None when it is unchanged or failed (the failure is recorded)."""
        try:
            data, ext = read_bytes(source, self.settings.max_file_bytes, self.settings.url_timeout)
            old = existing.get(source.doc_id)
            if old is not None and old.sha256 == sha256(data):
                report.unchanged.append(source.doc_id)
                return None
            doc = parse(source, data, ext, self.settings.limits())
            chunks = self.chunker.split(doc)
            if not chunks:
                raise InputError("no text in document")
            most = self.settings.max_doc_chunks
            if len(chunks) > most:
                raise InputError(
                    f"refused: splits into {len(chunks):,} chunks, more than {most:,} "
                    "(limit: POLICY_ASSISTANT_MAX_DOC_CHUNKS)"
                )
            return _Pending(doc, chunks, is_update=old is not None)
        except InputError as exc:
            reason = str(exc)
        except Exception as exc:  # a reader library choking on odd input must not stop the other files
            log.debug("failed to read %s", source.spec, exc_info=True)
            reason = f"could not read it: {exc.__class__.__name__}: {exc}"
        report.failed.append((source.spec, reason))
        log.info("%s: %s", source.spec, reason)
        return None

    def _flush(self, pending: list[_Pending], report: IngestReport) -> None:
        if not pending:
            return
        texts = [titled(p.doc.title, c.text) for p in pending for c in p.chunks]
        vectors = self._embed(texts)
        sentences = sentence_vectors([(p.doc, p.chunks) for p in pending], self._embed)
        self._check_cancel()
        items, offset = [], 0
        for p, sv in zip(pending, sentences, strict=True):
            items.append((p.doc, p.chunks, vectors[offset : offset + len(p.chunks)], sv))
            offset += len(p.chunks)
        updates = [item for item, p in zip(items, pending, strict=True) if p.is_update]
        fresh = [item for item, p in zip(items, pending, strict=True) if not p.is_update]
        if fresh:
            self.store.put_many(fresh, replace=False)
        if updates:
            self.store.put_many(updates, replace=True)
        for p in pending:
            report.chunks_added += len(p.chunks)
            (report.updated if p.is_update else report.added).append(p.doc.doc_id)
        log.info("stored %d documents (%d chunks)", len(pending), len(texts))

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed in slices so a cancel is noticed within seconds, even inside one large document."""
        step = 512
        if len(texts) <= step:
            return self.embedder.embed(texts)
        parts = []
        for k in range(0, len(texts), step):
            self._check_cancel()
            parts.append(self.embedder.embed(texts[k : k + step]))
            log.info("embedded %d of %d texts", min(k + step, len(texts)), len(texts))
        return np.vstack(parts)


def sentence_vectors(
    documents: list[tuple[Document, list[Chunk]]], embed: Callable[[list[str]], np.ndarray]
) -> list[SentenceVectors]:
    """The vectors the answer selector compares with a question: one per sentence of every chunk, and the
    document's title under the span (-1, -1) of each chunk; a text shared by chunks is embedded once."""
    spans, unique = [], {}
    for doc, chunks in documents:
        doc_spans = []
        for c in chunks:
            doc_spans.append((c.index, TITLE_SPAN[0], TITLE_SPAN[1], doc.title or doc.doc_id))
            doc_spans += [(c.index, a, b, c.text[a:b]) for a, b in sentence_spans(c.text)]
        for *_span, text in doc_spans:
            unique.setdefault(text, len(unique))
        spans.append(doc_spans)
    vectors = embed(list(unique)) if unique else np.zeros((0, 0), dtype=np.float32)
    return [
        SentenceVectors([(i, a, b) for i, a, b, _ in doc_spans], vectors[[unique[t] for *_, t in doc_spans]])
        for doc_spans in spans
    ]


class _NoBar:
    def set_postfix_str(self, *args, **kwargs): ...
    def update(self, n): ...
    def close(self): ...


def _progress(total: int, enabled: bool):
    if not enabled or total < 2:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True, leave=False)
