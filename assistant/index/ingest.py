"""Ingest: discover inputs, skip unchanged content (sha256), chunk, embed in large batches, store, prune."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.config import SentenceVectorMode, Settings
from assistant.index.embeddings import Embedder
from assistant.index.identity import Identities
from assistant.index.keyword import KeywordIndex
from assistant.index.store import Store
from assistant.models import (
    TITLE_SPAN,
    AssistantError,
    Cancelled,
    Chunk,
    Document,
    DocumentInfo,
    IngestReport,
    InputError,
    RemoveBy,
    RemoveReport,
    SentenceVectors,
)
from assistant.text.chunking import Chunker, sentence_spans, titled
from assistant.text.documents import Source, discover, is_url, parse, read_bytes, sha256, short_id

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
        self._cancel: threading.Event | None = None
        self._mode: SentenceVectorMode = "encoded"
        self._unframed: set[str] = set()  # stored documents whose chunks lack sentence frames

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

    def remove(self, target: str, by: RemoveBy = "auto") -> RemoveReport:
        """Remove what was ingested from a path (a file, a folder, a URL) or a document by doc_id: a
        document goes with its chunks unless the same content was also ingested from a path that stays.
        `auto` reads the target as a path when it names one on record (a short doc_id looks like a
        relative path: `docs/notice.txt` typed in /b means /b's file), else as a doc_id."""
        docs = self.store.documents()
        report = RemoveReport()
        places = _places(target) if by != "doc_id" else set()
        on_record = {p for info in docs.values() for p in info.paths}
        as_path = (
            by == "path"
            or any(_under(p, w) for p in on_record for w in places)
            or (by == "auto" and target not in docs)
        )
        if not as_path:
            if target in docs and self.store.remove(target):
                report.removed.append(target)
        else:
            ids = Identities(docs)
            for doc_id in docs:
                own, also_at = ids.paths[doc_id]
                for p in [p for p in also_at if any(_under(p, w) for w in places)]:
                    ids.detach(doc_id, p)
                    report.unlisted.append((p, doc_id))
                if any(_under(own, w) for w in places):
                    if ids.promote(doc_id) is not None:
                        report.unlisted.append((own, doc_id))
                    elif self.store.remove(doc_id):
                        report.removed.append(doc_id)
            self._write_paths(ids, report.removed)
        if report.removed:
            self.keyword.ensure(force=True)
        return report

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled()

    def _sentence_mode(self) -> SentenceVectorMode:
        """The index's own way of making sentence vectors (one index, one way), or the settings' for a new
        index; asking for the other way on an index that has one is refused. Only an embedder that gives
        its token states (`embed_spans`) can pool."""
        wanted = self.settings.sentence_mode if hasattr(self.embedder, "embed_spans") else "encoded"
        held = self.store.sentence_mode()
        if self.settings.sentence_vectors and held and wanted != held:
            raise AssistantError(
                f"index {self.settings.index_dir} stores sentence vectors made {held!r}; this run asks for "
                f"{wanted!r}: unset POLICY_ASSISTANT_SENTENCE_VECTORS, or use a new --index"
            )
        return held or wanted

    def _run(self, inputs: list[str], prune: bool, progress: bool) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        self._mode = self._sentence_mode()
        sources, report.failed, roots = discover([str(i) for i in inputs])
        self.store.sweep_orphans()
        existing = self._merge_duplicates(self.store.documents(), report)
        self._unframed = {doc_id for doc_id, info in existing.items() if not info.framed}
        ids = Identities(existing, exists=_still_there)
        seen: set[str] = set()  # paths read in this run
        again: set[str] = set()  # paths read a second time: copies unlisted when their document changed
        pending: list[_Pending] = []
        bar = _progress(len(sources), progress)
        queue = [(source, False) for source in sources]
        while queue:
            source, unlisted = queue.pop(0)
            self._check_cancel()
            bar.set_postfix_str(source.spec[-40:], refresh=False)
            if source.spec not in seen or (unlisted and source.spec not in again):
                seen.add(source.spec)
                if unlisted:
                    again.add(source.spec)
                item = self._prepare(source, ids, report)
                if item is not None:
                    pending.append(item)
                    queue += [(s, True) for s in self._unlisted(ids.stored(item.doc.doc_id, item.doc.sha256))]
                    if sum(len(p.chunks) for p in pending) >= self.settings.ingest_batch:
                        self._flush(pending, report)
                        pending = []
            bar.update(1)
        self._flush(pending, report)
        bar.close()
        changed = set(report.added) | set(report.updated)  # a copy read first, its document changed later
        report.unchanged = [d for d in report.unchanged if d not in changed]
        if prune:
            self._prune(ids, existing, roots, seen, report)
        self._write_paths(ids, report.removed)
        if report.added or report.updated or report.removed:
            self.keyword.ensure(force=True)
        report.seconds = time.perf_counter() - started
        return report

    def _write_paths(self, ids: Identities, removed: list[str]) -> None:
        """Record the paths of every document whose paths changed (one record each)."""
        for doc_id in sorted(ids.changed - set(removed)):
            self.store.set_paths(doc_id, *ids.paths[doc_id])

    def _merge_duplicates(
        self, docs: dict[str, DocumentInfo], report: IngestReport
    ) -> dict[str, DocumentInfo]:
        """An index built before doc_ids were unique may hold one file twice (ingested from its folder and
        on its own) or one content under two doc_ids: one record is kept, the others' paths are listed
        under it and their records and chunks removed, so a later change reaches every copy's text."""
        group = {doc_id: doc_id for doc_id in docs}

        def top(doc_id: str) -> str:
            while group[doc_id] != doc_id:
                doc_id = group[doc_id]
            return doc_id

        first: dict[str, str] = {}
        for doc_id, info in sorted(docs.items(), key=lambda kv: (len(kv[0]), kv[0])):
            for key in (f"path:{info.path}" if info.path else "", f"sha:{info.sha256}"):
                if key and key in first and top(first[key]) != top(doc_id):
                    group[top(doc_id)] = top(first[key])
                first.setdefault(key, doc_id)
        merged = False
        for keep in {top(d) for d in docs if top(d) != d}:
            others = [d for d in docs if d != keep and top(d) == keep]
            paths = [p for d in [keep, *others] for p in docs[d].paths if p != docs[keep].path]
            for other in others:
                if self.store.remove(other):
                    report.removed.append(other)
                    log.warning("%s: the same file or content as %s; merged into it", other, keep)
            self.store.set_paths(keep, docs[keep].path, list(dict.fromkeys(paths)))
            merged = True
        return self.store.documents() if merged else docs

    @staticmethod
    def _unlisted(paths: list[str]) -> list[Source]:
        """Copies that were listed under a document's old content: read again, each as its own file (also
        when this run read them already, as copies of the old content)."""
        out = []
        for p in paths:
            if is_url(p) or Path(p).is_file():
                log.info("%s: its listed copy changed; indexing it on its own", p)
                out.append(Source(spec=p, doc_id=p if is_url(p) else short_id(Path(p)), is_url=is_url(p)))
        return out

    def _prune(self, ids: Identities, existing: dict, roots: list[str], seen: set[str], report) -> None:
        """Forget what was ingested from these folders and is gone from them: a listed copy is unlisted; a
        document whose own file is gone moves to its first listed copy, or is removed when it has none."""

        def gone(path: str) -> bool:  # a file discover skips (README, a dot-folder) is still there
            return path not in seen and any(_under(path, root) for root in roots) and not _still_there(path)

        for doc_id, info in existing.items():
            path, also_at = ids.paths.get(doc_id, (info.path, list(info.also_at)))
            for p in [p for p in also_at if gone(p)]:
                ids.detach(doc_id, p)
            if gone(path) and ids.promote(doc_id) is None and self.store.remove(doc_id):
                report.removed.append(doc_id)

    def _prepare(self, source: Source, ids: Identities, report: IngestReport) -> _Pending | None:
        """Read, place and chunk one source; None when it is unchanged, a copy of a stored document, or
        failed (the failure is recorded)."""
        place = None
        try:
            data, ext = read_bytes(source, self.settings.max_file_bytes, self.settings.url_timeout)
            digest = sha256(data)
            place = ids.place(source.spec, source.doc_id, digest)
            if place.action in ("unchanged", "copy"):
                if place.doc_id not in report.unchanged:
                    report.unchanged.append(place.doc_id)
                if place.action == "unchanged" and place.doc_id in self._unframed:  # indexed before frames
                    self._unframed.discard(place.doc_id)
                    self._reframe(replace(source, doc_id=place.doc_id), data, ext)
                if place.action == "copy":
                    log.info("%s: same content as %s, stored once", source.spec, place.doc_id)
                return None
            doc = parse(replace(source, doc_id=place.doc_id), data, ext, self.settings.limits())
            chunks = self.chunker.split(doc)
            if not chunks:
                raise InputError("no text in document")
            most = self.settings.max_doc_chunks
            if len(chunks) > most:
                raise InputError(
                    f"refused: splits into {len(chunks):,} chunks, more than {most:,} "
                    "(limit: POLICY_ASSISTANT_MAX_DOC_CHUNKS)"
                )
            return _Pending(doc, chunks, is_update=place.action == "update")
        except InputError as exc:
            reason = str(exc)
        except Exception as exc:  # a reader library choking on odd input must not stop the other files
            log.debug("failed to read %s", source.spec, exc_info=True)
            reason = f"could not read it: {exc.__class__.__name__}: {exc}"
        if place is not None and place.action == "new":
            ids.forget(place.doc_id)
        report.failed.append((source.spec, reason))
        log.info("%s: %s", source.spec, reason)
        return None

    def _reframe(self, source: Source, data: bytes, ext: str) -> None:
        """Store the frames of a document indexed before frames were kept; a failure leaves it indexed as
        it was (its frames are then read from each passage), and is only logged."""
        try:
            self.store.reframe(parse(source, data, ext, self.settings.limits()))
            log.info("%s: sentence frames stored", source.spec)
        except Exception as exc:
            log.warning("%s: sentence frames not stored (%s); the document stays indexed", source.spec, exc)

    def _flush(self, pending: list[_Pending], report: IngestReport) -> None:
        if not pending:
            return
        texts = [titled(p.doc.title, c.text) for p in pending for c in p.chunks]
        documents = [(p.doc, p.chunks) for p in pending]
        if self._mode == "pooled":
            vectors, sentences = self._embed_pooled(documents, texts)
        else:
            vectors = self._embed(texts)
            sentences = sentence_vectors(documents, self._embed)
        self._check_cancel()
        items, offset = [], 0
        for p, sv in zip(pending, sentences, strict=True):
            items.append((p.doc, p.chunks, vectors[offset : offset + len(p.chunks)], sv))
            offset += len(p.chunks)
        updates = [item for item, p in zip(items, pending, strict=True) if p.is_update]
        fresh = [item for item, p in zip(items, pending, strict=True) if not p.is_update]
        if fresh:
            self.store.put_many(fresh, replace=False, sentences=self._mode)
        if updates:
            self.store.put_many(updates, replace=True, sentences=self._mode)
        for p in pending:
            report.chunks_added += len(p.chunks)
            (report.updated if p.is_update else report.added).append(p.doc.doc_id)
        log.info("stored %d documents (%d chunks)", len(pending), len(texts))

    def _embed_pooled(self, documents, texts: list[str]) -> tuple[np.ndarray, list[SentenceVectors]]:
        """Chunk vectors and sentence vectors from one forward pass per chunk (`embed_spans`)."""
        shifts = [
            len(t) - len(c.text) for t, c in zip(texts, (c for _d, cs in documents for c in cs), strict=True)
        ]
        spans = [
            [(a + k, b + k) for a, b in sentence_spans(t[k:])] for t, k in zip(texts, shifts, strict=True)
        ]
        vectors, pooled = [], []
        for k in range(0, len(texts), 512):  # slices, so a cancel is noticed within seconds
            self._check_cancel()
            v, p = self.embedder.embed_spans(texts[k : k + 512], spans[k : k + 512])
            vectors.append(v)
            pooled += p
        return np.vstack(vectors), pooled_vectors(documents, spans, pooled, shifts, self._embed)

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


def pooled_vectors(documents, spans, pooled, shifts, embed) -> list[SentenceVectors]:
    """`sentence_vectors` from pooled token states: the titles embedded (once each), and a sentence the
    model's length limit cut off encoded alone."""
    titles = list(dict.fromkeys(doc.title or doc.doc_id for doc, _chunks in documents))
    flat = [c for _doc, chunks in documents for c in chunks]
    cut = [(i, j) for i, row in enumerate(pooled) for j, v in enumerate(row) if v is None]
    cut_texts = [flat[i].text[spans[i][j][0] - shifts[i] : spans[i][j][1] - shifts[i]] for i, j in cut]
    texts = titles + cut_texts
    encoded = embed(texts)
    title_vec = dict(zip(titles, encoded[: len(titles)], strict=True))
    for (i, j), v in zip(cut, encoded[len(titles) :], strict=True):
        pooled[i][j] = v
    out, at = [], 0
    for doc, chunks in documents:
        rows, vecs = [], []
        for c in chunks:
            rows.append((c.index, *TITLE_SPAN))
            vecs.append(title_vec[doc.title or doc.doc_id])
            for (a, b), v in zip(spans[at], pooled[at], strict=True):
                rows.append((c.index, a - shifts[at], b - shifts[at]))
                vecs.append(v)
            at += 1
        out.append(SentenceVectors(rows, np.asarray(vecs, dtype=np.float32)))
    return out


def _places(target: str) -> set[str]:
    """What a path typed by a user may be on record as: a URL itself; a file as given (absolute) and
    with its links resolved."""
    if is_url(target):
        return {target}
    path = Path(target).expanduser()
    return {str(path.absolute()), str(path.resolve())}


def _still_there(path: str) -> bool:
    """A URL always is; a file is while it exists."""
    return is_url(path) or Path(path).exists()


def _under(path: str, root: str) -> bool:
    """Is `path` the file or URL `root`, or a file in the folder `root`?"""
    return path == root or (not is_url(root) and path.startswith(root.rstrip("/") + "/"))


class _NoBar:
    def set_postfix_str(self, *args, **kwargs): ...
    def update(self, n): ...
    def close(self): ...


def _progress(total: int, enabled: bool):
    if not enabled or total < 2:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True, leave=False)
