"""The Gradio page: ask with cited sources, check claims, filter, manage documents, export Markdown.

All retrieval and answering is done by one shared `assistant.Assistant`; this module only presents it.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TELEMETRY_ENABLED", "False")


def remove_temp_dir(path: Path, owner: int) -> None:
    """Remove the page's temporary folder, only from the process that made it (not from a forked child)."""
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


def private_temp_dir() -> Path:
    """A folder only this user can open (0700) for every temporary file of the page, removed at exit: our
    exports, and Gradio's uploads and cached copies through GRADIO_TEMP_DIR, which gradio reads when it is
    imported. A GRADIO_TEMP_DIR set by the user is where the folder is made."""
    parent = os.environ.get("GRADIO_TEMP_DIR") or None
    if parent:
        os.makedirs(parent, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="policy-assistant-", dir=parent))
    atexit.register(remove_temp_dir, path, os.getpid())
    os.environ["GRADIO_TEMP_DIR"] = str(path)
    return path


TEMP_DIR = private_temp_dir()

import gradio as gr  # noqa: E402
from fastapi import Request  # noqa: E402
from fastapi.middleware import Middleware  # noqa: E402

from assistant.export import briefing_markdown, conversation_markdown, draft_markdown  # noqa: E402
from assistant.models import AssistantError, Filters  # noqa: E402

from . import render  # noqa: E402
from .access import login_check  # noqa: E402

log = logging.getLogger(__name__)


def api_dict(data: dict) -> dict:
    """Answer/Verdict dict for API clients, without local paths (gradio_client fetches any 'path')."""
    for hit in data.get("related", []):
        hit.pop("path", None)
    return data


class Handlers:
    """What the page's events do, for one shared Assistant; each returns the values of its outputs."""

    def __init__(self, assistant):
        self.assistant = assistant
        self.export_dir = Path(tempfile.mkdtemp(prefix="exports-", dir=TEMP_DIR))
        self.cancels: dict[str, threading.Event] = {}  # per browser session: its Cancel button

    def doc_rows(self) -> list[list]:
        return [[d.title, d.date, d.source, d.chunks, d.doc_id] for d in self.assistant.documents()]

    def choices(self):
        docs = self.assistant.documents()
        sources = sorted({d.source for d in docs if d.source})
        ids = [d.doc_id for d in docs]
        return gr.Dropdown(choices=sources), gr.Dropdown(choices=ids), gr.Dropdown(choices=ids)

    def write_export(self, turns) -> str | None:
        if not turns:
            return None
        return self._export(f"briefing-{len(turns)}", turns, conversation_markdown(turns))

    def on_ask(self, message, chat, history, turns, sources, date_from, date_to, docs, generate=False):
        """Answer into the chat; with `generate`, the model's sentences appear as the check keeps them."""
        chat, history, turns = list(chat or []), list(history or []), list(turns or [])
        if not (message or "").strip():
            gr.Warning("Type a question first.")
            yield message, chat, history, turns, gr.update(), gr.update()
            return
        chat.append({"role": "user", "content": render.chat_text(message)})
        filters = Filters.of(sources, date_from, date_to, docs)
        kept: list[str] = []
        answer = None
        try:
            for step in self.assistant.ask_stream(message, history, filters, generate=bool(generate)):
                if step.kind == "kept":
                    kept.append(step.text)
                    partial = {"role": "assistant", "content": render.chat_text(" ".join(kept) + " …")}
                    yield "", chat + [partial], history, turns, gr.update(), gr.update()
                elif step.kind == "done":
                    answer = step.answer
        except AssistantError as exc:
            chat.append({"role": "assistant", "content": render.chat_text(f"Error: {exc}")})
            yield "", chat, history, turns, render.empty(str(exc)), gr.update()
            return
        shown = answer.text
        if answer.rewritten_question:
            shown = f"(understood as: {answer.rewritten_question})\n\n{shown}"
        chat.append({"role": "assistant", "content": render.chat_text(shown)})
        history.append((answer.rewritten_question or message, answer.text))
        turns.append((message, answer))
        yield "", chat, history, turns, render.sources_html(answer), self.write_export(turns)

    def on_check(self, claim, turns, sources, date_from, date_to, docs):
        turns = list(turns or [])
        if not (claim or "").strip():
            gr.Warning("Paste a claim first.")
            return render.empty("Paste a claim with a figure, e.g. a sentence from an article."), turns, None
        try:
            verdict = self.assistant.check(claim, filters=Filters.of(sources, date_from, date_to, docs))
        except AssistantError as exc:
            return render.empty(str(exc)), turns, self.write_export(turns)
        turns.append((claim, verdict))
        return render.verdict_html(verdict), turns, self.write_export(turns)

    def _export(self, kind: str, record, markdown: str) -> str:
        """A Markdown file in this page's export folder, for a download button; only its owner can read it."""
        path = self.export_dir / f"{kind}-{os.getpid()}-{id(record)}.md"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
            f.write(markdown)
        return str(path)

    def on_draft(self, text, sources, date_from, date_to, docs):
        if not (text or "").strip():
            gr.Warning("Paste a draft first.")
            return render.empty("Paste a draft: every sentence with a figure, date or name is checked."), None
        try:
            report = self.assistant.check_text(text, filters=Filters.of(sources, date_from, date_to, docs))
        except AssistantError as exc:
            return render.empty(str(exc)), None
        return render.draft_html(report), self._export("draft-check", report, draft_markdown(report))

    def on_brief(self, topic, sources, date_from, date_to, docs, generate=False):
        if not (topic or "").strip():
            gr.Warning("Type a topic first.")
            return render.empty("Type a topic, e.g. foreign investment in Beijing."), None
        try:
            filters = Filters.of(sources, date_from, date_to, docs)
            briefing = self.assistant.brief(topic, filters=filters, generate=bool(generate))
        except AssistantError as exc:
            return render.empty(str(exc)), None
        return render.briefing_html(briefing), self._export("briefing", briefing, briefing_markdown(briefing))

    def on_clear(self):
        return [], [], [], render.empty("Sources of the latest answer appear here."), None

    def on_upload(self, files, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - Gradio injects it
        rows, files = [], files or []
        cancel = self.cancels.setdefault(request.session_hash or "", threading.Event())
        cancel.clear()
        for i, f in enumerate(progress.tqdm(files, desc="Indexing")):
            src = Path(f if isinstance(f, str) else f.name)
            if cancel.is_set():
                rows.append((src.name, "cancelled", "not started"))
                continue
            result = self.assistant.add_upload(src, src.name, cancel=cancel)
            rows.append((result.name, result.status, result.detail))
            log.info("upload %d/%d %s: %s", i + 1, len(files), result.name, result.status)
        return (render.upload_html(rows), self.doc_rows(), *self.choices())

    def on_cancel(self, request: gr.Request) -> None:
        self.cancels.setdefault(request.session_hash or "", threading.Event()).set()

    def on_remove(self, doc_id):
        if not doc_id:
            return render.empty("Pick a document to remove."), self.doc_rows(), *self.choices()
        removed = self.assistant.remove(doc_id, by="doc_id")  # the list shows doc_ids, never paths
        note = f"Removed {doc_id}." if removed else f"No document {doc_id}."
        return render.empty(note), self.doc_rows(), *self.choices()

    def api_ask(
        self,
        question: str,
        history: list[list[str]] | None = None,
        filters: dict | None = None,
        generate: bool = False,
    ) -> dict:
        """Answer a question; history is [[question, answer], ...]; `generate` asks the configured
        language model for checked prose. Returns the Answer as a dict."""
        try:
            turns = [(str(t[0]), str(t[1]) if len(t) > 1 else "") for t in history or []]
            answer = self.assistant.ask(question, history=turns, filters=filters, generate=generate)
            return api_dict(answer.to_dict())
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    def api_check(self, claim: str, filters: dict | None = None) -> dict:
        """Fact-check a claim; returns the Verdict as a dict."""
        try:
            return api_dict(self.assistant.check(claim, filters=filters).to_dict())
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None


def layout(doc_rows, can_generate: bool = False) -> SimpleNamespace:
    """The page's components (inside an open gr.Blocks), by name; the prose toggle only when a language
    model is configured."""
    c = SimpleNamespace()
    gr.Markdown("## Policy Assistant\nAnswers from your policy documents, quoted and cited. Offline.")
    c.history, c.turns = gr.State([]), gr.State([])
    with gr.Accordion("Filters (apply to questions and claims)", open=False):
        with gr.Row():
            c.f_source = gr.Dropdown(label="Source", multiselect=True, choices=[], elem_id="pa-filter-source")
            c.f_from = gr.Textbox(label="Dated from (YYYY-MM-DD)", elem_id="pa-filter-from")
            c.f_to = gr.Textbox(label="Dated to (YYYY-MM-DD)", elem_id="pa-filter-to")
            c.f_docs = gr.Dropdown(label="Documents", multiselect=True, choices=[], elem_id="pa-filter-docs")
    c.filters = [c.f_source, c.f_from, c.f_to, c.f_docs]
    with gr.Tabs():
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    c.chat = gr.Chatbot(
                        label="Conversation", height=420, elem_id="pa-chat", feedback_options=None
                    )
                    c.question = gr.Textbox(
                        label="Question", placeholder="How many ...?", elem_id="pa-question"
                    )
                    c.generate = gr.Checkbox(
                        label="Write the answer as prose with the language model (each sentence checked)",
                        value=False, visible=can_generate, elem_id="pa-generate",
                    )  # fmt: skip
                    with gr.Row():
                        c.ask_btn = gr.Button("Ask", variant="primary", elem_id="pa-ask")
                        c.clear_btn = gr.Button("New conversation", elem_id="pa-clear")
                        c.download = gr.DownloadButton("Download as Markdown", elem_id="pa-export")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    c.sources = gr.HTML(render.empty("Sources of the latest answer appear here."),
                                        elem_id="pa-sources")  # fmt: skip
        with gr.Tab("Check a claim", id="check"):
            example = "Beijing set up 2,500 foreign-funded enterprises in 2024."
            c.claim = gr.Textbox(label="Claim", lines=2, elem_id="pa-claim", placeholder=example)
            c.check_btn = gr.Button("Check", variant="primary", elem_id="pa-check")
            c.verdict = gr.HTML(
                render.empty("The verdict and its evidence appear here."), elem_id="pa-verdict"
            )
            label = "Or check a whole draft (every sentence with a figure, date, ranking or name)"
            c.draft = gr.Textbox(label=label, lines=10, elem_id="pa-draft")
            with gr.Row():
                c.draft_btn = gr.Button("Check the draft", variant="primary", elem_id="pa-draft-check")
                c.draft_file = gr.DownloadButton("Download the report as Markdown", elem_id="pa-draft-export")
            c.draft_report = gr.HTML(render.empty("The marked draft and its table appear here."),
                                     elem_id="pa-draft-report")  # fmt: skip
        with gr.Tab("Briefing", id="brief"):
            c.topic = gr.Textbox(
                label="Topic", elem_id="pa-topic", placeholder="foreign investment in Beijing"
            )
            c.brief_generate = gr.Checkbox(
                label="Add a summary paragraph from the language model (each sentence checked)",
                value=False, visible=can_generate, elem_id="pa-brief-generate",
            )  # fmt: skip
            with gr.Row():
                c.brief_btn = gr.Button("Write the note", variant="primary", elem_id="pa-brief")
                c.brief_file = gr.DownloadButton("Download as Markdown", elem_id="pa-brief-export")
            c.briefing = gr.HTML(render.empty("A note of quoted, cited sentences appears here."),
                                 elem_id="pa-briefing")  # fmt: skip
        with gr.Tab("Documents", id="docs"):
            c.table = gr.Dataframe(headers=["title", "date", "source", "chunks", "doc_id"], value=doc_rows,
                                   interactive=False, elem_id="pa-docs")  # fmt: skip
            c.files = gr.File(
                label="Add documents", file_count="multiple", type="filepath", elem_id="pa-upload"
            )
            with gr.Row():
                c.upload_btn = gr.Button("Add to the index", variant="primary", elem_id="pa-upload-btn")
                c.cancel_btn = gr.Button("Cancel", elem_id="pa-upload-cancel")
            c.upload_result = gr.HTML(render.empty("Upload results appear here."), elem_id="pa-upload-result")
            with gr.Row():
                c.remove_pick = gr.Dropdown(label="Remove a document", choices=[], elem_id="pa-remove-pick")
                c.remove_btn = gr.Button("Remove", variant="stop", elem_id="pa-remove")
    return c


def wire(demo: gr.Blocks, c: SimpleNamespace, h: Handlers) -> None:
    """Connect the components to the handlers (inside the same gr.Blocks), and the named API."""
    private = {"api_visibility": "private"}
    ask_inputs = [c.question, c.chat, c.history, c.turns, *c.filters, c.generate]
    ask_outputs = [c.question, c.chat, c.history, c.turns, c.sources, c.download]
    c.ask_btn.click(h.on_ask, ask_inputs, ask_outputs, **private)
    c.question.submit(h.on_ask, ask_inputs, ask_outputs, **private)
    c.clear_btn.click(h.on_clear, None, [c.chat, c.history, c.turns, c.sources, c.download], **private)
    check_io = ([c.claim, c.turns, *c.filters], [c.verdict, c.turns, c.download])
    c.check_btn.click(h.on_check, *check_io, **private)
    c.claim.submit(h.on_check, *check_io, **private)
    c.draft_btn.click(h.on_draft, [c.draft, *c.filters], [c.draft_report, c.draft_file], **private)
    brief_io = ([c.topic, *c.filters, c.brief_generate], [c.briefing, c.brief_file])
    c.brief_btn.click(h.on_brief, *brief_io, **private)
    c.topic.submit(h.on_brief, *brief_io, **private)
    doc_outputs = [c.upload_result, c.table, c.f_source, c.f_docs, c.remove_pick]
    c.upload_btn.click(h.on_upload, [c.files], doc_outputs, **private)
    c.cancel_btn.click(h.on_cancel, None, None, queue=False, **private)
    c.remove_btn.click(h.on_remove, [c.remove_pick], doc_outputs, **private)
    demo.load(h.choices, None, [c.f_source, c.f_docs, c.remove_pick], **private)
    gr.api(h.api_ask, api_name="ask")
    gr.api(h.api_check, api_name="check")


def build_app(assistant) -> gr.Blocks:
    """The page for one shared Assistant (the model is loaded once for all sessions)."""
    handlers = Handlers(assistant)
    with gr.Blocks(title="Policy Assistant", analytics_enabled=False) as demo:
        wire(demo, layout(handlers.doc_rows, assistant.can_generate), handlers)
    return demo


def app_routes(routes) -> Iterator:
    """Every route of a FastAPI app, those of the routers it includes (Gradio's /gradio_api/...) too."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is None:
            yield route
        else:
            yield from app_routes(included.routes)


class LoginGate:
    """ASGI middleware for a page with a login: a request without a logged-in session gets 401, except the
    login itself, the files its form loads, / (Gradio's login form there, its description of the API
    blanked) and, until the server has started, the start-up call of launch(). Logged in means Gradio's
    own check (the endpoint of /gradio_api/user) names a user."""

    OPEN = {("POST", "/login"), ("POST", "/login/"), ("GET", "/favicon.ico"), ("GET", "/theme.css")}
    OPEN_FOLDERS = ("/assets/", "/static/")  # Gradio's own frontend files, the same for any app
    API_INFO = "window.gradio_api_info = "
    REFUSED = (
        {"status": 401, "headers": [(b"content-type", b"application/json")]},
        b'{"error":"Not authenticated"}',
    )

    def __init__(self, app):
        self.app = app
        self.current_user = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":  # Gradio serves none: refused rather than checked
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http" or await self.logged_in(scope):
            return await self.app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        if method in ("GET", "HEAD") and path == "/":
            return await self.app(scope, receive, self.without_api_info(send))
        if (method, path) in self.OPEN or (method == "GET" and path.startswith(self.OPEN_FOLDERS)):
            return await self.app(scope, receive, send)
        if path == "/gradio_api/startup-events" and not scope["app"].startup_events_triggered:
            return await self.app(scope, receive, send)  # launch() calls it once, without a login
        await self.answer(send, *self.REFUSED)

    async def logged_in(self, scope) -> bool:
        if self.current_user is None:
            routes = app_routes(scope["app"].routes)
            routes = [r for r in routes if getattr(r, "path", "") == "/gradio_api/user"]
            if not routes:
                raise RuntimeError("Gradio has no /gradio_api/user route: logins cannot be checked")
            self.current_user = routes[0].endpoint
        return await self.current_user(Request(scope)) is not None

    def without_api_info(self, send):
        """`send` for Gradio's login form at /, with the API description Gradio writes into it emptied; a
        page without that marker is not sent at all."""
        start, body = {}, bytearray()

        async def send_page(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            page = body.decode("utf-8")
            at = page.find(self.API_INFO)
            if at < 0:
                return await self.answer(send, *self.REFUSED)
            at += len(self.API_INFO)
            _, end = json.JSONDecoder().raw_decode(page, at)
            await self.answer(send, start, (page[:at] + "{}" + page[end:]).encode("utf-8"))

        return send_page

    @staticmethod
    async def answer(send, start: dict, body: bytes) -> None:
        """Send a whole response: `start`'s status and headers, with the length of `body`."""
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})


def serve(assistant, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None) -> None:
    """Warm the model and indexes, then serve the page until interrupted (Ctrl-C or SIGTERM), and remove
    the page's temporary folder."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM ends it as Ctrl-C does
    try:
        if assistant.chunk_count():
            assistant.search("warm up", k=1)
        demo = build_app(assistant)
        demo.queue(default_concurrency_limit=4)
        demo.launch(
            server_name=host,
            server_port=port,
            auth=login_check(*auth) if auth else None,
            app_kwargs={"middleware": [Middleware(LoginGate)]} if auth else None,
            share=False,
            ssr_mode=False,
            show_error=True,
            quiet=True,
            footer_links=["api"],
            max_file_size=assistant.settings.max_file_bytes,
            theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"]),
            css=render.CSS,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(TEMP_DIR, ignore_errors=True)
