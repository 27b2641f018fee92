"""The `Assistant` facade: owns the store, the embedder and the indexes; shared by CLI and UI."""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import get_args

from assistant.config import Settings, make_settings
from assistant.index.embeddings import CachedEmbedder, Embedder, make_embedder
from assistant.index.ingest import Ingestor
from assistant.index.keyword import KeywordIndex
from assistant.index.store import ChromaStore, Store
from assistant.models import (
    Answer,
    AssistantError,
    Briefing,
    Cancelled,
    DocumentInfo,
    DraftCheck,
    DraftSentence,
    Filters,
    Hit,
    IngestReport,
    ProseStep,
    RemoveBy,
    RemoveReport,
    UploadResult,
    Verdict,
    plural,
)
from assistant.reasoning.retrieval import HybridRetriever
from assistant.text.documents import sha256

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 4000


class Assistant:
    """Ingest documents and search them; the model is loaded lazily, once, on the first embedding."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        index_dir: str | Path | None = None,
        chroma_host: str | None = None,
        chroma_port: int | None = None,
        embedder: Embedder | None = None,
        store: Store | None = None,
        **overrides,
    ):
        if settings is not None and not isinstance(settings, Settings):
            if isinstance(settings, str | Path):
                index_dir, settings = settings, None
            else:
                raise TypeError(
                    f"settings must be a Settings or an index path, got {type(settings).__name__}"
                )
        self.settings = settings or make_settings(
            index_dir=index_dir, chroma_host=chroma_host, chroma_port=chroma_port, **overrides
        )
        s = self.settings
        self.embedder = embedder or make_embedder(
            s.embed_backend, s.embed_model, s.batch_size, s.device, s.index_dir / "models"
        )
        self.store = store or ChromaStore(s)
        self.keyword = KeywordIndex(self.store, s.bm25_dir)
        self.query_embedder = CachedEmbedder(self.embedder)
        self.retriever = HybridRetriever(self.store, self.keyword, self.query_embedder, s.candidates, s.rrf_k)
        from assistant.reasoning.answer import Answerer

        self.answerer = Answerer(self.keyword, self.query_embedder.embed, stored=self.store.sentence_vectors,
                                 english_only=self.query_embedder.english_only,
                                 cross_lingual=self.query_embedder.cross_lingual)  # fmt: skip
        from assistant.reasoning.factcheck import FactChecker
        from assistant.reasoning.verdicts import MODEL_PATH

        self.checker = FactChecker(
            self.keyword,
            self.query_embedder.embed,
            stored=self.store.sentence_vectors,
            model=MODEL_PATH,
            fitted_embedder=self.query_embedder.english_only,
            cross_lingual=self.query_embedder.cross_lingual,
        )
        from assistant.generation.llm import make_text_model

        self.text_model = make_text_model(s)  # None unless --llm-url or --llm-gguf; nothing loaded yet
        self._prose = None
        self._write_lock = threading.Lock()

    def ingest(self, paths: list[str | Path] | str | Path, prune: bool = False, progress: bool = False,
               cancel: threading.Event | None = None):  # fmt: skip
        """Add or update documents from files, folders and URLs; returns an IngestReport. Setting `cancel`
        (or Ctrl-C) stops it between documents or embedding batches, raising Cancelled; documents
        stored before that are whole, the one in progress leaves nothing behind."""
        if isinstance(paths, str | Path):
            paths = [paths]
        with self._write_lock, self.store.writing():
            ingestor = Ingestor(self.settings, self.store, self.embedder, self.keyword)
            report: IngestReport = ingestor.run([str(p) for p in paths], prune, progress, cancel)
        return report

    def add_upload(self, file: str | Path, name: str, cancel: threading.Event | None = None) -> UploadResult:
        """Index an uploaded file: copied to uploads/<content hash>/<its name> (so two different files
        with one name never overwrite each other), unless the same content is already indexed."""
        display = upload_name(name)
        try:
            digest = sha256(Path(file).read_bytes())  # uploads are capped at max_file_mb
        except OSError as exc:
            return UploadResult(display, "failed", f"cannot read the upload: {exc.strerror or exc}")
        for info in self.store.documents().values():
            if info.sha256 == digest:
                return UploadResult(display, "unchanged", f"same content as {info.doc_id}", info.doc_id)
        folder = self.uploads_dir / digest[:16]
        target = folder / display
        try:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        except OSError as exc:
            return UploadResult(display, "failed", f"cannot store the upload: {exc.strerror or exc}")
        try:
            report = self.ingest([target], cancel=cancel)
        except Cancelled:
            _discard_upload(target, self.uploads_dir)
            return UploadResult(display, "cancelled", "not indexed")
        except AssistantError as exc:
            report = IngestReport(failed=[(str(target), str(exc))])
        if report.failed:
            _discard_upload(target, self.uploads_dir)
            return UploadResult(display, "failed", report.failed[0][1])
        done = report.added or report.updated or report.unchanged
        status = "added" if report.added else "updated" if report.updated else "unchanged"
        return UploadResult(display, status, plural(report.chunks_added, "chunk"), done[0] if done else "")

    @property
    def uploads_dir(self) -> Path:
        return Path(self.settings.index_dir) / "uploads"

    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None) -> list[Hit]:
        """Ranked passages for a query (hybrid dense + BM25), no answer."""
        return self.retriever.search(clean_query(query), k=k, filters=filters)

    def ask(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        filters: Filters | dict | None = None,
        generate: bool = False,
    ) -> Answer:
        """Answer with cited sentences, or abstain; follow-ups are rewritten using `history`. With
        `generate`, a configured language model writes the answer as prose, every sentence checked."""
        final = None
        for step in self.ask_stream(question, history, filters, generate):
            final = step.answer or final
        return final

    def ask_stream(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        filters: Filters | dict | None = None,
        generate: bool = True,
    ) -> Iterator[ProseStep]:
        """`ask`, step by step: with `generate`, each model sentence as the check keeps or removes it, then
        the final answer; otherwise only the final answer."""
        from assistant.reasoning.questions import rewrite

        question = clean_query(question)
        writer = self._writer() if generate else None
        rewritten = rewrite(question, [(str(q), str(a)) for q, a in (history or [])])
        query, hits = self.retrieve(rewritten, filters)
        answer = self.answerer.answer(query, hits)
        answer.question = question
        answer.rewritten_question = rewritten if rewritten != question else ""
        if writer is None:
            yield ProseStep("done", answer=answer)
            return
        yield from writer.stream(answer, hits)

    @property
    def can_generate(self) -> bool:
        """Is a language model configured for prose answers?"""
        return self.text_model is not None

    def _writer(self):
        if self.text_model is None:
            raise AssistantError(
                "no language model configured: give --llm-url URL (an OpenAI-compatible endpoint) or "
                "--llm-gguf FILE (env POLICY_ASSISTANT_LLM_URL or POLICY_ASSISTANT_LLM_GGUF)"
            )
        if self._prose is None:
            from assistant.generation.checker import SentenceChecker
            from assistant.generation.writer import ProseWriter

            self._prose = ProseWriter(self.text_model, SentenceChecker(self.query_embedder.embed))
        return self._prose

    def retrieve(self, text: str, filters: Filters | dict | None = None, k: int = 10):
        """Split the asker's situation from the question; search with the question and, when there is a
        situation, with both, fusing the two rankings. Returns (Query, hits)."""
        from assistant.reasoning.retrieval import reciprocal_rank_fusion
        from assistant.reasoning.selection import split_situation

        query = split_situation(text)
        hits = self.retriever.search(query.question, k=k, filters=filters)
        if not query.situation:
            return query, hits
        both = self.retriever.search(query.full, k=k, filters=filters)
        by_id = {h.chunk_id: h for h in both + hits}
        fused = reciprocal_rank_fusion([[h.chunk_id for h in hits], [h.chunk_id for h in both]])[:k]
        return query, [replace(by_id[cid], score=round(score, 6)) for cid, score in fused]

    def brief(
        self, topic: str, filters: Filters | dict | None = None, k: int = 30, generate: bool = False
    ) -> Briefing:
        """A briefing note on a topic: quoted, cited sentences from the `k` best passages across the
        corpus, grouped into figures, measures and a timeline (no language model). With `generate`, a
        configured model adds a summary paragraph on top, every sentence checked."""
        from assistant.reasoning.briefing import Briefer

        topic = clean_query(topic, "topic")
        writer = self._writer() if generate else None
        note = Briefer(self.answerer, self.query_embedder.embed).brief(topic, self.search(topic, k, filters))
        return writer.summarise(note) if writer else note

    def check(self, claim: str, filters: Filters | dict | None = None) -> Verdict:
        """Fact-check a claim against the corpus: supported, contradicted or not_found, with evidence."""
        claim = clean_query(claim, "claim")
        return self.checker.check(claim, self.retriever.search(claim, k=10, filters=filters))

    def check_text(self, text: str, filters: Filters | dict | None = None) -> DraftCheck:
        """Check a whole draft: every check-worthy sentence (a figure, a date, a ranking or a named actor)
        gets a verdict; the others are kept in place, unchecked."""
        from assistant.reasoning.factcheck import check_worthy
        from assistant.text.chunking import sentence_spans

        if not text or not text.strip():
            raise AssistantError("the draft is empty")
        most_chars, most = self.settings.max_draft_chars, self.settings.max_draft_sentences
        if len(text) > most_chars:
            raise AssistantError(
                f"the draft has {len(text):,} characters, more than the {most_chars:,} a check reads "
                "(limit: POLICY_ASSISTANT_MAX_DRAFT_CHARS); check it in parts"
            )
        spans = [(a, b, " ".join(text[a:b].split())) for a, b in sentence_spans(text)]
        if len(spans) > most:
            raise AssistantError(
                f"the draft has {len(spans):,} sentences, more than the {most:,} a check takes "
                "(limit: POLICY_ASSISTANT_MAX_DRAFT_SENTENCES); check it in parts"
            )
        worthy = {s for _, _, s in spans if check_worthy(s) and len(s) <= MAX_QUERY_CHARS}
        self.query_embedder.embed(list(worthy))  # one batched pass instead of one model call per sentence
        out = []
        for a, b, sentence in spans:
            verdict = None
            if sentence in worthy:
                verdict = self.checker.check(sentence, self.retriever.search(sentence, k=10, filters=filters))
            out.append(DraftSentence(sentence, a, b, verdict))
        return DraftCheck(text, out)

    def check_file(self, path: str | Path, filters: Filters | dict | None = None) -> DraftCheck:
        """`check_text` on a draft file (txt, md, docx, pdf, html), read as ingest reads documents."""
        from assistant.text.documents import discover, parse, read_bytes

        sources, failed, _ = discover([str(path)])
        if failed or not sources:
            raise AssistantError(f"{path}: {failed[0][1] if failed else 'not a readable draft'}")
        try:
            data, ext = read_bytes(sources[0], self.settings.max_file_bytes, self.settings.url_timeout)
            document = parse(sources[0], data, ext, self.settings.limits())
        except (OSError, ValueError, AssistantError) as e:
            raise AssistantError(f"{path}: {e}") from e
        return self.check_text(document.text, filters)

    def documents(self) -> list[DocumentInfo]:
        """Indexed documents, sorted by date (newest first) then title."""
        docs = list(self.store.documents().values())
        return sorted(docs, key=lambda d: (d.date or "0000", d.title), reverse=True)

    def remove(self, target: str, by: RemoveBy = "auto") -> RemoveReport:
        """Remove what was ingested from a path or URL (a folder: everything under it), or a document by
        its doc_id (`by` says which when it matters); a RemoveReport, false when nothing matched."""
        if by not in get_args(RemoveBy):
            raise ValueError(f"by must be one of {', '.join(get_args(RemoveBy))}, got {by!r}")
        with self._write_lock, self.store.writing():
            before = self.store.documents()
            ingestor = Ingestor(self.settings, self.store, self.embedder, self.keyword)
            report = ingestor.remove(str(target), by)
        for doc_id in report.removed:
            if before[doc_id].path:
                _discard_upload(Path(before[doc_id].path), self.uploads_dir)
        return report

    def chunk_count(self) -> int:
        return self.store.count()


_NAME_JUNK = re.compile(r"[^\w.()\-]+", re.UNICODE)


def upload_name(name: str) -> str:
    """A file name that stays inside its uploads folder and keeps its extension: letters of any script,
    digits, '.', '-', '_' and brackets; no directories, no dot-files, at most about 120 characters."""
    base = _NAME_JUNK.sub("_", Path(str(name).replace("\\", "/")).name).lstrip("._-")
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = base, ""
    stem = stem[:100].rstrip("._-") or "upload"
    return f"{stem}.{ext.lower()}" if ext else stem


def _discard_upload(path: Path, uploads: Path) -> None:
    """Delete an upload copy (and its folder once empty); files outside the uploads folder are kept."""
    try:
        path = path.resolve()
        if not path.is_relative_to(uploads.resolve()):
            return
        path.unlink(missing_ok=True)
        if path.parent != uploads.resolve():
            path.parent.rmdir()
    except OSError:
        pass


_WORDLIKE = re.compile(r"\w", re.UNICODE)


def clean_query(query: str, what: str = "question") -> str:
    """Reject empty, punctuation-only and overlong text (a question, claim or topic) with a message a
    user understands."""
    if not isinstance(query, str):
        raise AssistantError(f"the {what} must be text")
    query = query.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate cannot be tokenized
    query = " ".join(query.split())
    if not query:
        raise AssistantError(f"the {what} is empty")
    if not _WORDLIKE.search(query):
        raise AssistantError(f"the {what} has no words, only punctuation")
    if len(query) > MAX_QUERY_CHARS:
        raise AssistantError(f"the {what} is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}")
    return query
