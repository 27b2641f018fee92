"""The Gradio page: ask with cited sources, check claims, filter, manage documents, export Markdown.

All retrieval and answering is done by one shared `assistant.Assistant`; this module only presents it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TELEMETRY_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant.export import conversation_markdown  # noqa: E402
from assistant.models import AssistantError, Filters  # noqa: E402

from . import render  # noqa: E402

log = logging.getLogger(__name__)


def api_dict(data: dict) -> dict:
    """Answer/Verdict dict for API clients, without local paths (gradio_client fetches any 'path')."""
    for hit in data.get("related", []):
        hit.pop("path", None)
    return data


def _filters(sources, date_from, date_to, docs) -> Filters:
    return Filters.of(sources, date_from, date_to, docs)


def build_app(assistant) -> gr.Blocks:
    """The page for one shared Assistant (the model is loaded once for all sessions)."""
    export_dir = Path(tempfile.mkdtemp(prefix="policy-assistant-export-"))

    def doc_rows():
        return [[d.title, d.date, d.source, d.chunks, d.doc_id] for d in assistant.documents()]

    def choices():
        docs = assistant.documents()
        sources = sorted({d.source for d in docs if d.source})
        ids = [d.doc_id for d in docs]
        return gr.Dropdown(choices=sources), gr.Dropdown(choices=ids), gr.Dropdown(choices=ids)

    def write_export(turns) -> str | None:
        if not turns:
            return None
        path = export_dir / f"briefing-{len(turns)}-{os.getpid()}-{id(turns)}.md"
        path.write_text(conversation_markdown(turns), encoding="utf-8")
        return str(path)

    def on_ask(message, chat, history, turns, sources, date_from, date_to, docs):
        chat, history, turns = list(chat or []), list(history or []), list(turns or [])
        if not (message or "").strip():
            gr.Warning("Type a question first.")
            return message, chat, history, turns, gr.update(), gr.update()
        try:
            answer = assistant.ask(
                message, history=history, filters=_filters(sources, date_from, date_to, docs)
            )
        except AssistantError as exc:
            chat += [{"role": "user", "content": render.chat_text(message)},
                     {"role": "assistant", "content": render.chat_text(f"Error: {exc}")}]  # fmt: skip
            return "", chat, history, turns, render.empty(str(exc)), gr.update()
        shown = answer.text
        if answer.rewritten_question:
            shown = f"(understood as: {answer.rewritten_question})\n\n{shown}"
        chat += [{"role": "user", "content": render.chat_text(message)},
                 {"role": "assistant", "content": render.chat_text(shown)}]  # fmt: skip
        history.append((answer.rewritten_question or message, answer.text))
        turns.append((message, answer))
        return "", chat, history, turns, render.sources_html(answer.to_dict()), write_export(turns)

    def on_check(claim, turns, sources, date_from, date_to, docs):
        turns = list(turns or [])
        if not (claim or "").strip():
            gr.Warning("Paste a claim first.")
            return render.empty("Paste a claim with a figure, e.g. a sentence from an article."), turns, None
        try:
            verdict = assistant.check(claim, filters=_filters(sources, date_from, date_to, docs))
        except AssistantError as exc:
            return render.empty(str(exc)), turns, write_export(turns)
        turns.append((claim, verdict))
        return render.verdict_html(verdict.to_dict()), turns, write_export(turns)

    def on_clear():
        return [], [], [], render.empty("Sources of the latest answer appear here."), None

    def on_upload(files, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
        rows = []
        files = files or []
        for i, f in enumerate(progress.tqdm(files, desc="Indexing")):
            src = Path(f if isinstance(f, str) else f.name)
            result = assistant.add_upload(src, src.name)
            rows.append((result.name, result.status, result.detail))
            log.info("upload %d/%d %s: %s", i + 1, len(files), result.name, result.status)
        return (render.upload_html(rows), doc_rows(), *choices())

    def on_remove(doc_id):
        if not doc_id:
            return render.empty("Pick a document to remove."), doc_rows(), *choices()
        removed = assistant.remove(doc_id)
        note = f"Removed {doc_id}." if removed else f"No document {doc_id}."
        return render.empty(note), doc_rows(), *choices()

    with gr.Blocks(title="Policy Assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Policy Assistant\nAnswers from your policy documents, quoted and cited. Offline.")
        history, turns = gr.State([]), gr.State([])
        with gr.Accordion("Filters (apply to questions and claims)", open=False):
            with gr.Row():
                f_source = gr.Dropdown(
                    label="Source", multiselect=True, choices=[], elem_id="pa-filter-source"
                )
                f_from = gr.Textbox(label="Dated from (YYYY-MM-DD)", elem_id="pa-filter-from")
                f_to = gr.Textbox(label="Dated to (YYYY-MM-DD)", elem_id="pa-filter-to")
                f_docs = gr.Dropdown(
                    label="Documents", multiselect=True, choices=[], elem_id="pa-filter-docs"
                )
        filters = [f_source, f_from, f_to, f_docs]
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label="Conversation", height=420, elem_id="pa-chat", feedback_options=None
                        )
                        question = gr.Textbox(
                            label="Question", placeholder="How many ...?", elem_id="pa-question"
                        )
                        with gr.Row():
                            ask_btn = gr.Button("Ask", variant="primary", elem_id="pa-ask")
                            clear_btn = gr.Button("New conversation", elem_id="pa-clear")
                            download = gr.DownloadButton("Download as Markdown", elem_id="pa-export")
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(render.empty("Sources of the latest answer appear here."),
                                          elem_id="pa-sources")  # fmt: skip
            with gr.Tab("Check a claim", id="check"):
                example = "Beijing set up 2,500 foreign-funded enterprises in 2024."
                claim = gr.Textbox(label="Claim", lines=2, elem_id="pa-claim", placeholder=example)
                check_btn = gr.Button("Check", variant="primary", elem_id="pa-check")
                verdict = gr.HTML(
                    render.empty("The verdict and its evidence appear here."), elem_id="pa-verdict"
                )
            with gr.Tab("Documents", id="docs"):
                table = gr.Dataframe(headers=["title", "date", "source", "chunks", "doc_id"], value=doc_rows,
                                     interactive=False, elem_id="pa-docs")  # fmt: skip
                files = gr.File(
                    label="Add documents", file_count="multiple", type="filepath", elem_id="pa-upload"
                )
                upload_btn = gr.Button("Add to the index", variant="primary", elem_id="pa-upload-btn")
                upload_result = gr.HTML(
                    render.empty("Upload results appear here."), elem_id="pa-upload-result"
                )
                with gr.Row():
                    remove_pick = gr.Dropdown(label="Remove a document", choices=[], elem_id="pa-remove-pick")
                    remove_btn = gr.Button("Remove", variant="stop", elem_id="pa-remove")
        private = {"api_visibility": "private"}
        ask_inputs = [question, chat, history, turns, *filters]
        ask_outputs = [question, chat, history, turns, sources, download]
        ask_btn.click(on_ask, ask_inputs, ask_outputs, **private)
        question.submit(on_ask, ask_inputs, ask_outputs, **private)
        clear_btn.click(on_clear, None, [chat, history, turns, sources, download], **private)
        check_btn.click(on_check, [claim, turns, *filters], [verdict, turns, download], **private)
        claim.submit(on_check, [claim, turns, *filters], [verdict, turns, download], **private)
        upload_btn.click(on_upload, [files], [upload_result, table, f_source, f_docs, remove_pick], **private)
        remove_btn.click(
            on_remove, [remove_pick], [upload_result, table, f_source, f_docs, remove_pick], **private
        )
        demo.load(choices, None, [f_source, f_docs, remove_pick], **private)

        def ask(question: str, history: list[list[str]] | None = None, filters: dict | None = None) -> dict:
            """Answer a question; history is [[question, answer], ...]; returns the Answer as a dict."""
            try:
                turns_ = [(str(t[0]), str(t[1]) if len(t) > 1 else "") for t in history or []]
                return api_dict(assistant.ask(question, history=turns_, filters=filters).to_dict())
            except AssistantError as exc:
                raise gr.Error(str(exc)) from None

        def check(claim: str, filters: dict | None = None) -> dict:
            """Fact-check a claim; returns the Verdict as a dict."""
            try:
                return api_dict(assistant.check(claim, filters=filters).to_dict())
            except AssistantError as exc:
                raise gr.Error(str(exc)) from None

        gr.api(ask, api_name="ask")
        gr.api(check, api_name="check")
    return demo


def login_check(user: str, password: str, pause: float = 1.0):
    """The page's login: each wrong attempt waits `pause` seconds, one at a time, so guessing runs at
    about one try a second whatever the number of connections; right ones pass at once."""
    import asyncio
    import hmac

    wrong_attempts = asyncio.Lock()

    async def check(given_user: str, given_password: str) -> bool:
        ok = hmac.compare_digest(str(given_user).encode(), user.encode())
        ok &= hmac.compare_digest(str(given_password).encode(), password.encode())
        if not ok:
            async with wrong_attempts:
                await asyncio.sleep(pause)
        return ok

    return check


def exposure_warning(host: str, auth) -> str | None:
    """A warning when the page is reachable from other machines without a password."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback or auth:
        return None
    return (
        f"warning: serving on {host} without --auth: anyone who can reach this machine can read every "
        "indexed document and add or remove documents. Set a login (POLICY_ASSISTANT_AUTH=user:password "
        "or --auth-file) or bind 127.0.0.1."
    )


def serve(assistant, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None) -> None:
    """Warm the model and indexes, then serve the page until interrupted."""
    if assistant.chunk_count():
        assistant.search("warm up", k=1)
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=login_check(*auth) if auth else None,
        share=False,
        ssr_mode=False,
        show_error=True,
        quiet=True,
        footer_links=["api"],
        max_file_size=assistant.settings.max_file_bytes,
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"]),
        css=render.CSS,
    )
