"""The `Assistant` facade: wires the index, the reasoning and the prose writer, and delegates to them;
shared by the command line, the page and Python users."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

from assistant.config import Settings, settings_for
from assistant.generation.llm import make_text_model
from assistant.index.embeddings import CachedEmbedder, Embedder, make_embedder
from assistant.index.ingest import Ingestor
from assistant.index.keyword import KeywordIndex
from assistant.index.search import Search
from assistant.index.store import ChromaStore, Store
from assistant.index.uploads import Uploads
from assistant.models import (
    Answer,
    AssistantError,
    Briefing,
    DocumentInfo,
    DraftCheck,
    Filters,
    Hit,
    IngestReport,
    ProseStep,
    RemoveBy,
    RemoveReport,
    UploadResult,
    Verdict,
)
from assistant.reader.model import OnnxReader
from assistant.reasoning.answer import Answerer
from assistant.reasoning.asking import Asker, clean_query
from assistant.reasoning.drafts import DraftChecker
from assistant.reasoning.factcheck import FactChecker
from assistant.reasoning.standing import Standing
from assistant.reasoning.verdicts import MODEL_PATH
from assistant.text.documents import load


class Assistant:
    """Ingest documents and search them; the model is loaded lazily, once, on the first embedding."""

    def __init__(self, settings: Settings | str | Path | None = None, *, index_dir: str | Path | None = None,
                 chroma_host: str | None = None, chroma_port: int | None = None,
                 embedder: Embedder | None = None, store: Store | None = None, **overrides):  # fmt: skip
        s = self.settings = settings_for(settings, index_dir=index_dir, chroma_host=chroma_host,
                                         chroma_port=chroma_port, **overrides)  # fmt: skip
        self.embedder = embedder or make_embedder(
            s.embed_backend, s.embed_model, s.batch_size, s.device, s.models_dir
        )
        self.store = store or ChromaStore(s)
        self._wire_index()
        self._wire_reasoning()
        self._prose, self._write_lock = None, threading.Lock()

    def _wire_index(self) -> None:
        s = self.settings
        self.keyword = KeywordIndex(self.store, s.bm25_dir)
        self.query_embedder = CachedEmbedder(self.embedder)
        self.retriever = Search(self.store, self.keyword, self.query_embedder, s.candidates, s.rrf_k)
        self.uploads = Uploads(Path(s.index_dir) / "uploads")

    def _wire_reasoning(self) -> None:
        q, s = self.query_embedder, self.settings
        shared = {"stored": self.store.sentence_vectors, "cross_lingual": q.cross_lingual}
        reader = OnnxReader() if s.reader else None  # loaded on the first claim (or answer) read
        self.answerer = Answerer(self.keyword, q.embed, english_only=q.english_only,
                                 sentences=self._sentences, reader=reader if s.reread else None,
                                 **shared)  # fmt: skip
        self.checker = FactChecker(self.keyword, q.embed, model=MODEL_PATH, fitted_embedder=q.english_only,
                                   reader=reader, as_of=s.as_of, **shared)  # fmt: skip
        self.asker = Asker(self.retriever, self.answerer, Standing(self.checker))
        self.drafts = DraftChecker(
            self.checker, self.retriever, q.embed, s.max_draft_chars, s.max_draft_sentences
        )
        self.text_model = make_text_model(s)  # None unless --llm-url or --llm-gguf; nothing loaded yet

    def _sentences(self) -> str:
        """How the index's sentence vectors are made (an empty index: as its first ingest will make them)."""
        return self.store.sentence_mode() or self.settings.sentence_mode

    def ingest(self, paths: list[str | Path] | str | Path, prune: bool = False, progress: bool = False,
               cancel: threading.Event | None = None) -> IngestReport:  # fmt: skip
        """Add or update documents from files, folders and URLs. Setting `cancel` (or Ctrl-C) stops it
        between documents or embedding batches, raising Cancelled; documents stored before that are
        whole, the one in progress leaves nothing behind."""
        paths = [paths] if isinstance(paths, str | Path) else paths
        with self._write_lock, self.store.writing():
            ingestor = Ingestor(self.settings, self.store, self.embedder, self.keyword)
            return ingestor.run([str(p) for p in paths], prune, progress, cancel)

    def add_upload(self, file: str | Path, name: str, cancel: threading.Event | None = None) -> UploadResult:
        """Index an uploaded file (kept under the index's uploads folder), unless the same content is
        already indexed."""
        return self.uploads.add(file, name, self.store.documents, self.ingest, cancel)

    @property
    def uploads_dir(self) -> Path:
        return self.uploads.folder

    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None) -> list[Hit]:
        """Ranked passages for a query (hybrid dense + BM25), no answer."""
        return self.retriever.search(clean_query(query), k=k, filters=filters)

    def ask(self, question: str, history: list[tuple[str, str]] | None = None,
            filters: Filters | dict | None = None, generate: bool = False) -> Answer:  # fmt: skip
        """Answer with cited sentences, or abstain; follow-ups are rewritten using `history`. With
        `generate`, a configured language model writes the answer as prose, every sentence checked."""
        final = None
        for step in self.ask_stream(question, history, filters, generate):
            final = step.answer or final
        return final

    def ask_stream(self, question: str, history: list[tuple[str, str]] | None = None,
                   filters: Filters | dict | None = None, generate: bool = True,
                   ) -> Iterator[ProseStep]:  # fmt: skip
        """`ask`, step by step: with `generate`, each model sentence as the check keeps or removes it, then
        the final answer; otherwise only the final answer."""
        question = clean_query(question)
        writer = self._writer() if generate else None
        answer, hits = self.asker.ask(question, history, filters)
        if writer is None:
            yield ProseStep("done", answer=answer)
        else:
            yield from writer.stream(answer, hits)

    def retrieve(self, text: str, filters: Filters | dict | None = None, k: int = 10):
        """The question split from the asker's situation, and the passages found (Query, hits)."""
        return self.asker.retrieve(text, filters, k)

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

            checker = SentenceChecker(self.query_embedder.embed, standing=self.checker.by_figures)
            self._prose = ProseWriter(self.text_model, checker)
        return self._prose

    def brief(self, topic: str, filters: Filters | dict | None = None, k: int = 30,
              generate: bool = False) -> Briefing:  # fmt: skip
        """A briefing note on a topic: quoted, cited sentences from the `k` best passages, grouped into
        figures, measures and a timeline. With `generate`, a configured model adds a checked summary."""
        from assistant.reasoning.briefing import Briefer

        topic = clean_query(topic, "topic")
        writer = self._writer() if generate else None
        note = Briefer(self.answerer, self.query_embedder.embed).brief(topic, self.search(topic, k, filters))
        return writer.summarise(note) if writer else note

    def check(self, claim: str, filters: Filters | dict | None = None) -> Verdict:
        """Fact-check a claim against the corpus: supported, contradicted or not_found, with evidence."""
        return self.drafts.claim(claim, filters)

    def check_text(self, text: str, filters: Filters | dict | None = None) -> DraftCheck:
        """Check a whole draft: every check-worthy sentence gets a verdict; the others stay, unchecked."""
        return self.drafts.draft(text, filters)

    def check_file(self, path: str | Path, filters: Filters | dict | None = None) -> DraftCheck:
        """`check_text` on a draft file (txt, md, docx, pdf, html), read as ingest reads documents."""
        s = self.settings
        return self.check_text(load(path, s.max_file_bytes, s.url_timeout, s.limits()).text, filters)

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
            report = Ingestor(self.settings, self.store, self.embedder, self.keyword).remove(str(target), by)
        for doc_id in report.removed:
            if before[doc_id].path:
                self.uploads.discard(before[doc_id].path)
        return report

    def chunk_count(self) -> int:
        return self.store.count()
