"""Command line: `policy-assistant ingest|list|remove|search|ask|chat`, one clear line per problem."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from pathlib import Path
from typing import Annotated

import typer

from assistant.models import plural  # records only: no heavy import

app = typer.Typer(
    help="Policy Assistant: answers from your policy documents, with cited passages. Offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("assistant")

_state: dict = {"verbose": 0, "overrides": {}, "assistant": None}

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.callback()
def _global(
    index: Annotated[
        Path | None, typer.Option("--index", help="Index directory (all state lives here).")
    ] = None,
    chroma_host: Annotated[
        str | None, typer.Option("--chroma-host", help="Use a `chroma run` server at this host.")
    ] = None,
    chroma_port: Annotated[
        int | None, typer.Option("--chroma-port", help="Port of the Chroma server.")
    ] = None,
    embed_model: Annotated[
        Path | None, typer.Option("--embed-model", help="sentence-transformers model directory.")
    ] = None,
    embed_backend: Annotated[
        str | None,
        typer.Option("--embed-backend", help="torch (default), onnx-int8 (faster), multilingual (Chinese)."),
    ] = None,
    llm_url: Annotated[
        str | None,
        typer.Option(
            "--llm-url", help="OpenAI-compatible endpoint for prose answers (e.g. http://127.0.0.1:8080/v1)."
        ),
    ] = None,
    llm_model: Annotated[
        str | None, typer.Option("--llm-model", help="Model name sent to --llm-url.")
    ] = None,
    llm_gguf: Annotated[
        Path | None, typer.Option("--llm-gguf", help="A GGUF model to serve on 127.0.0.1 for prose answers.")
    ] = None,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help="More detail; -vv for debug.")
    ] = 0,
) -> None:
    _state["verbose"] = verbose
    _state["overrides"] = {
        "index_dir": index,
        "chroma_host": chroma_host,
        "chroma_port": chroma_port,
        "embed_model": embed_model,
        "embed_backend": embed_backend,
        "llm_url": llm_url,
        "llm_model": llm_model,
        "llm_gguf": llm_gguf,
    }
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("assistant").setLevel(level)


def _assistant():
    if _state["assistant"] is None:
        from assistant.config import make_settings
        from assistant.core import Assistant

        _state["assistant"] = Assistant(make_settings(**_state["overrides"]))
    return _state["assistant"]


def _echo_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or http(s) URLs.")],
    prune: Annotated[
        bool, typer.Option(help="Remove documents whose files are gone from these folders.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add or update documents; unchanged ones are skipped. Exit code 1 when any input failed."""
    report = _assistant().ingest(paths, prune=prune, progress=not as_json and sys.stderr.isatty())
    if as_json:
        _echo_json(report.to_dict())
    else:
        for path, reason in report.failed:
            typer.echo(f"failed: {path}: {reason}", err=True)
        typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


@app.command("list")
def list_documents(as_json: JsonOpt = False) -> None:
    """Indexed documents: doc_id, title, date, source, chunks, and the paths they were ingested from."""
    docs = _assistant().documents()
    if as_json:
        _echo_json([d.to_dict() for d in docs])
        return
    if not docs:
        typer.echo("No documents indexed yet. Add some with: policy-assistant ingest PATH")
        return
    for d in docs:
        meta = f"{d.date or 'no date'} | {d.source or 'no source'} | {plural(d.chunks, 'chunk')}"
        typer.echo(f"{d.doc_id}\n    {d.title}\n    {meta}")
        for path in d.paths:
            typer.echo(f"    from {path}")
    typer.echo(f"{plural(len(docs), 'document')}, {plural(sum(d.chunks for d in docs), 'chunk')}")


@app.command()
def remove(
    target: Annotated[
        str,
        typer.Argument(metavar="PATH_OR_DOC_ID", help="A path you ingested, or a doc_id shown by `list`."),
    ],
    doc_id: Annotated[
        bool, typer.Option("--doc-id", help="Read the target as a doc_id only, never as a path.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove everything ingested from a file, folder or URL, or a document by its doc_id, with its chunks."""
    report = _assistant().remove(target, by="doc_id" if doc_id else "auto")
    if as_json:
        _echo_json(report.to_dict())
    else:
        for doc_id in report.removed:
            typer.echo(f"removed {doc_id}")
        for path, doc_id in report.unlisted:
            typer.echo(f"unlisted {path}: {doc_id} stays, the same content was ingested from another path")
    if not report:
        typer.echo(
            f"error: no document with doc_id or path {target!r}; see `policy-assistant list`", err=True
        )
        raise typer.Exit(1)


def _filters(source: list[str] | None, date_from: str | None, date_to: str | None, doc: list[str] | None):
    from assistant.models import Filters

    return Filters.of(source, date_from, date_to, doc)


SourceOpt = Annotated[list[str] | None, typer.Option("--source", help="Only this source (repeatable).")]
FromOpt = Annotated[str | None, typer.Option("--from", help="Only documents dated on/after YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Only documents dated on/before YYYY-MM-DD.")]
DocOpt = Annotated[list[str] | None, typer.Option("--doc", help="Only this doc_id (repeatable).")]


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 5,
    source: SourceOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ranked passages for a query (hybrid BM25 + dense), without an answer."""
    hits = _assistant().search(query, k=k, filters=_filters(source, date_from, date_to, doc))
    if as_json:
        _echo_json([{"rank": i} | h.to_dict() for i, h in enumerate(hits, 1)])
        return
    _print_hits(hits)


def _print_hits(hits) -> None:
    if not hits:
        typer.echo("No passages found.")
    for i, h in enumerate(hits, 1):
        page = f", p. {h.page_start}" if h.page_start else ""
        typer.echo(
            f"[{i}] {h.title} ({h.date or 'no date'}, {h.source or 'no source'}{page})  score {h.score:.4f}"
        )
        typer.echo(f"    {h.doc_id} [{h.start}:{h.end}]")
        typer.echo(textwrap.fill(h.passage, width=100, initial_indent="    ", subsequent_indent="    "))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    source: SourceOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    doc: DocOpt = None,
    after: Annotated[
        list[str] | None, typer.Option("--after", help="An earlier question (repeatable).")
    ] = None,
    generate: Annotated[
        bool,
        typer.Option("--generate", help="Prose from the language model (--llm-url or --llm-gguf), checked."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Answer from the corpus with cited sentences, or say that the corpus does not answer it."""
    history = [(q, "") for q in after or []]
    filters = _filters(source, date_from, date_to, doc)
    if not generate:
        answer = _assistant().ask(question, history=history, filters=filters)
    else:
        answer = _stream_prose(_assistant().ask_stream(question, history, filters), quiet=as_json)
    if as_json:
        _echo_json(answer.to_dict())
    else:
        _print_answer(answer, streamed=generate)


def _stream_prose(steps, quiet: bool):
    """Print each checked sentence as the model finishes it; returns the final answer."""
    shown = False
    for step in steps:
        if step.kind == "kept" and not quiet:
            typer.echo(step.text + " ", nl=False)
            shown = True
        elif step.kind == "done":
            if shown:
                typer.echo("")
            return step.answer
    from assistant.models import AssistantError

    raise AssistantError("the answer stream ended without an answer")


def _print_answer(answer, streamed: bool = False) -> None:
    if answer.rewritten_question:
        typer.echo(f"(understood as: {answer.rewritten_question})")
    if answer.note:
        typer.echo(f"({answer.note})")
    if not (streamed and answer.mode == "generated"):
        typer.echo(answer.text)
    if answer.removed:
        n = len(answer.removed)
        typer.echo(f"({n} sentence{'s' if n > 1 else ''} removed: not supported by the sources)")
        for r in answer.removed:
            typer.echo(textwrap.fill(f"- {r.sentence} ({r.reason})", width=100, subsequent_indent="  "))
    typer.echo(f"(confidence {answer.confidence:.2f} that the quoted passage answers this)")
    if answer.abstained:
        if answer.related:
            typer.echo("\nRelated, not an answer:")
            _print_hits(answer.related)
        return
    typer.echo("\nSources:")
    for c in answer.citations:
        _print_citation(c)


def _print_citation(c) -> None:
    page = f", p. {c.page}" if c.page else ""
    typer.echo(f"[{c.n}] {c.title} ({c.date or 'no date'}, {c.source or 'no source'}{page})")
    typer.echo(f"    {c.doc_id} [{c.quote_start}:{c.quote_end}]")
    typer.echo(textwrap.fill(f"“{c.quote}”", width=100, initial_indent="    ", subsequent_indent="    "))


@app.command()
def check(
    claim: Annotated[str | None, typer.Argument(help="A sentence with a figure to verify.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Check every check-worthy sentence of a draft (txt, md, docx, pdf, html)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="With --file: write the report as Markdown.")
    ] = None,
    source: SourceOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fact-check a claim, or a whole draft with --file: supported, contradicted or not in the corpus, with
    both figures and the source."""
    from assistant.models import AssistantError

    if claim is None and file is None:
        raise AssistantError('give a claim to check ("Beijing set up 2,500 firms in 2024.") or --file DRAFT')
    if claim is not None and file is not None:
        raise AssistantError("give a claim or --file DRAFT, not both")
    if out is not None and file is not None and _same_file(out, file):
        raise AssistantError(f"--out {out} is the draft being checked; write the report to another file")
    if file is not None:
        from assistant.export import draft_markdown

        report = _assistant().check_file(file, filters=_filters(source, date_from, date_to, doc))
        _emit_note(draft_markdown(report), report, out, as_json)
        return
    verdict = _assistant().check(claim, filters=_filters(source, date_from, date_to, doc))
    if as_json:
        _echo_json(verdict.to_dict())
        return
    how = f" (confidence {verdict.confidence:.2f}, by the {verdict.decided_by})" if verdict.decided_by else ""
    typer.echo(f"{verdict.verdict.upper().replace('_', ' ')}{how}: {verdict.explanation}")
    for c in verdict.citations:
        _print_citation(c)
    if verdict.related:
        typer.echo("\nRelated, not evidence:")
        _print_hits(verdict.related)


@app.command()
def brief(
    topic: Annotated[
        str, typer.Argument(help="What the note is about, e.g. 'foreign investment in Beijing'.")
    ],
    source: SourceOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    doc: DocOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the note to this Markdown file.")
    ] = None,
    generate: Annotated[
        bool, typer.Option("--generate", help="Add a checked summary paragraph from the language model.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """A briefing note on a topic: quoted, cited figures, measures and timeline from across the corpus."""
    from assistant.export import briefing_markdown

    briefing = _assistant().brief(topic, filters=_filters(source, date_from, date_to, doc), generate=generate)
    _emit_note(briefing_markdown(briefing), briefing, out, as_json)


def _same_file(a: Path, b: Path) -> bool:
    """Do two paths name one file (a link or another spelling included)?"""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _emit_note(markdown: str, record, out: Path | None, as_json: bool) -> None:
    """A Markdown report to --out (when given) and to the terminal, or the record as JSON."""
    if out is not None:
        out.write_text(markdown, encoding="utf-8")
    if as_json:
        _echo_json(record.to_dict())
    else:
        typer.echo(markdown)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; other than 127.0.0.1 exposes the page.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the page.")] = 7860,
    auth: Annotated[
        str | None,
        typer.Option(help="user:password for the login (other users see it in `ps`: prefer --auth-file)."),
    ] = None,
    auth_file: Annotated[
        Path | None, typer.Option(help="A file whose first line is user:password (or POLICY_ASSISTANT_AUTH).")
    ] = None,
) -> None:
    """Start the chat page (Gradio) on HOST:PORT."""
    import os

    from assistant.models import AssistantError

    try:
        from ui.app import exposure_warning
        from ui.app import serve as serve_page
    except ImportError as exc:
        raise AssistantError(f"the page needs Gradio: pip install 'policy-assistant[ui]' ({exc})") from None
    if auth_file is not None:
        try:
            auth = auth_file.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise AssistantError(f"cannot read a user:password line from {auth_file}: {exc}") from None
    auth = auth or os.environ.get("POLICY_ASSISTANT_AUTH") or None
    credentials = None
    if auth:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise AssistantError("the login must look like user:password")
        credentials = (user, password)
    warning = exposure_warning(host, credentials)
    if warning:
        typer.echo(warning, err=True)
    a = _assistant()
    typer.echo(f"Policy Assistant: {plural(len(a.documents()), 'document')}; serving on http://{host}:{port}",
               err=True)  # fmt: skip
    serve_page(a, host=host, port=port, auth=credentials)


@app.command()
def chat() -> None:
    """Multi-turn questions in the terminal; follow-ups use the earlier turns ('exit' or Ctrl-D to leave)."""
    from assistant.models import AssistantError

    a = _assistant()
    count = plural(len(a.documents()), "document")
    typer.echo(f"Policy Assistant: {count} indexed. Ask a question; 'exit' to leave.")
    history: list[tuple[str, str]] = []
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if question.lower() in ("", "exit", "quit"):
            return
        try:
            answer = a.ask(question, history=history)
        except AssistantError as exc:
            typer.echo(f"error: {exc}", err=True)
            continue
        _print_answer(answer)
        history.append((answer.rewritten_question or question, answer.text))


@app.command("eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Questions file (JSON lines: question, answerable, ...).")],
    ingest_paths: Annotated[
        list[str] | None, typer.Option("--ingest", help="Ingest these paths first (repeatable).")
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(
            "--split", help="ConditionalQA: guides of this split (fit, tune, test); SciFact: test or train."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer quality (questions files, ours or ConditionalQA's) or verdict accuracy (claims files)."""
    from assistant.measuring import evaluation as ev
    from assistant.measuring import verdict_fit as vf
    from assistant.measuring.evaluation import (
        evaluate_claims,
        evaluate_questions,
        format_claims,
        format_report,
        load_jsonl,
    )

    if split not in (None, "fit", "tune", "test", "train"):
        raise typer.BadParameter(f"--split must be fit, tune, test (ConditionalQA) or test, train (SciFact), "
                                 f"got {split!r}")  # fmt: skip

    a = _assistant()
    if ingest_paths:
        report = a.ingest(ingest_paths)
        if report.failed:
            for path, reason in report.failed:
                typer.echo(f"failed: {path}: {reason}", err=True)
    rows = load_jsonl(file)
    if vf.is_scifact(rows):
        if split not in (None, "test", "train"):
            raise typer.BadParameter(f"SciFact claims: --split must be test or train, got {split!r}")
        data = file.parent
        vf.ensure_indexed(a, data, a.settings.index_dir / "eval-data")
        claims = [c for c in vf.load_claims(rows, vf.test_ids(data)) if split in (None, c.split)]
        result = vf.evaluate(a, claims, vf.load_abstracts(data))
        typer.echo(json.dumps(result, indent=2) if as_json else vf.format_report(result))
        return
    if ev.is_expected_figures(rows):
        result = ev.evaluate_expected(a, rows)
        _echo_json(result) if as_json else typer.echo(ev.format_expected(result))
        return
    if ev.is_conditionalqa(rows):
        result = ev.evaluate_conditionalqa(a, rows, split)
        typer.echo(json.dumps(result, indent=2) if as_json else ev.format_conditionalqa(result))
        return
    claims = bool(rows) and "claim" in rows[0]
    missing = ev.unindexed(a, rows)
    if missing:
        typer.echo(ev.unindexed_warning(missing), err=True)
    result = evaluate_claims(a, rows) if claims else evaluate_questions(a, rows)
    result["unindexed"] = missing
    if as_json:
        _echo_json(result)
    else:
        typer.echo(format_claims(result) if claims else format_report(result))


@app.command("train-answerer")
def train_answerer(
    data: Annotated[
        Path | None, typer.Option("--data", help="Folder holding ConditionalQA train.jsonl.")
    ] = None,
    work: Annotated[
        Path | None, typer.Option("--work", help="Where the guide documents and their index go.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Model file to write.")] = None,
    passages: Annotated[int, typer.Option("--passages", help="Top passages to take sentences from.")] = 8,
) -> None:
    """Refit the answer selector on ConditionalQA's train split (split by guide) and save it."""
    from assistant.measuring import training as t
    from assistant.reasoning.selection import MODEL_PATH

    if passages < 1:
        raise typer.BadParameter(f"--passages must be at least 1, got {passages}")
    work = work or Path("build/train-answerer")
    meta = t.train(data or t.DEFAULT_DATA, Path(work), out or MODEL_PATH, passages)
    typer.echo(json.dumps(meta, indent=2))


@app.command("train-support")
def train_support(
    data: Annotated[Path | None, typer.Option("--data", help="Folder holding SciFact (BEIR format).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Model file to write.")] = None,
) -> None:
    """Refit the prose checker's support model on SciFact's training claims and save it."""
    from assistant.config import make_settings
    from assistant.generation.checker import SUPPORT_PATH
    from assistant.index.embeddings import make_embedder
    from assistant.measuring import support_fit as f

    s = make_settings(**_state["overrides"])
    embedder = make_embedder(s.embed_backend, s.embed_model, s.batch_size, s.device, s.index_dir / "models")
    meta = f.train(data or f.DEFAULT_DATA, out or SUPPORT_PATH, embedder.embed, Path("build/train-support"))
    typer.echo(json.dumps(meta, indent=2))


@app.command("train-verdicts")
def train_verdicts(
    data: Annotated[Path | None, typer.Option("--data", help="Folder holding SciFact (BEIR format).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Model file to write.")] = None,
    work: Annotated[
        Path, typer.Option("--work", help="Cache of the searched candidate pairs (reused by refits).")
    ] = Path("build/train-verdicts"),
) -> None:
    """Refit the claim verdict model on SciFact's 809 training claims (the index gets SciFact's abstracts)."""
    from assistant.measuring import verdict_fit as f
    from assistant.reasoning.verdicts import MODEL_PATH

    a = _assistant()
    data = data or f.DEFAULT_DATA
    f.ensure_indexed(a, data, work)
    typer.echo(json.dumps(f.train(a, data, out or MODEL_PATH, work), indent=2))


@app.command("train-chinese")
def train_chinese(
    data: Annotated[Path | None, typer.Option("--data", help="CMRC 2018 trial file (JSON).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Model file to write (one variant replaced).")
    ] = None,
) -> None:
    """Refit the Chinese sentence ranker for this index's embedder on CMRC 2018 (the index gets its
    paragraphs; 30% of paragraphs are held out and measured)."""
    from assistant.measuring import chinese_fit as f
    from assistant.measuring.cmrc import DEFAULT_DATA
    from assistant.reasoning.chinese import MODEL_PATH

    typer.echo(json.dumps(f.train(_assistant(), data or DEFAULT_DATA, out or MODEL_PATH), indent=2))


@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="A reduced run (a few minutes).")] = False,
    latency_only: Annotated[
        bool, typer.Option("--latency-only", help="Only the latency rows at 1k-100k chunks.")
    ] = False,
    data: Annotated[Path | None, typer.Option("--data", help="Folder holding SciFact corpus.jsonl.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the Markdown table here.")] = None,
    prose: Annotated[
        bool,
        typer.Option(
            "--prose",
            help="Only prose answers: model timings and sentences kept (--llm-gguf, "
            "default the bundled SmolLM2-135M).",
        ),
    ] = False,
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Only the time to check a 2,000-word draft (check --file).")
    ] = False,
    cmrc: Annotated[
        bool, typer.Option("--cmrc", help="Only Chinese: CMRC 2018 trial paragraphs indexed under --index.")
    ] = False,
    retrieval: Annotated[
        bool,
        typer.Option(
            "--retrieval",
            help="Only SciFact retrieval and ingest rate, with --embed-backend, in --index (ingested once).",
        ),
    ] = False,
    docs: Annotated[
        int | None, typer.Option("--docs", help="With --retrieval: a corpus of this many abstracts.", min=1)
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Retrieval quality on BEIR SciFact, ingest throughput, and latency/memory at 1k-100k chunks."""
    from assistant.measuring import bench as b

    if retrieval:
        result = b.retrieval_only(_assistant(), data or b.DEFAULT_DATA, docs)
        table = b.retrieval_markdown(result)
        if out:
            out.write_text(table, encoding="utf-8")
        typer.echo(json.dumps(result, indent=2) if as_json else table)
        return

    if cmrc:
        from assistant.measuring import cmrc as c

        a = _assistant()
        paragraphs, questions = c.load(data or c.DEFAULT_DATA)
        c.ensure_indexed(a, paragraphs, a.settings.index_dir / "bench-data")
        result = c.evaluate(a, questions)
        table = c.to_markdown(result, b.machine())
        if out:
            out.write_text(table, encoding="utf-8")
        typer.echo(json.dumps(result, indent=2) if as_json else table)
        return

    if drafts:
        from assistant.measuring import prose_bench as pb

        r = pb.draft_run()
        line = (f"| draft of {r['words']:,} words, {r['sentences']} sentences, {r['checked']} checked "
                f"| {r['seconds']} s warm |")  # fmt: skip
        head = (
            f"Machine: {b.machine()}\nRun: `policy-assistant bench --drafts`\n\n| measure | time |\n|---|---|"
        )
        table = f"{head}\n{line}\n"
        if out:
            out.write_text(table, encoding="utf-8")
        typer.echo(json.dumps(r, indent=2) if as_json else table)
        return

    if prose:
        from assistant.generation.llm import bundled_gguf
        from assistant.measuring import prose_bench as pb

        result = pb.run(_state["overrides"].get("llm_gguf") or bundled_gguf())
        table = pb.to_markdown(result, b.machine())
        if out:
            out.write_text(table, encoding="utf-8")
        typer.echo(json.dumps(result, indent=2) if as_json else table)
        return

    result = b.run(quick=quick, data_dir=data or b.DEFAULT_DATA, latency_only=latency_only)
    table = b.to_markdown(result)
    if out:
        out.write_text(table, encoding="utf-8")
    typer.echo(json.dumps(result, indent=2) if as_json else table)


def hoist_global_options(argv: list[str]) -> list[str]:
    """Global options given after the command (`ingest corpus --index /tmp/x`) moved before it, where
    the command line parser expects them; everything else keeps its order. The options are read from
    the app's callback, so the list lives in one place."""
    import typer.main

    group = typer.main.get_command(app)
    commands = set(group.commands)  # type: ignore[attr-defined]
    valued = {o for p in group.params if not (p.is_flag or p.count) for o in p.opts}  # type: ignore[attr-defined]
    flags = {o for p in group.params if p.is_flag or p.count for o in p.opts}  # type: ignore[attr-defined]
    flags |= {f"-{'v' * n}" for n in (2, 3)} if "-v" in flags else set()
    at = 0
    while at < len(argv) and argv[at] not in commands:
        at += 2 if argv[at] in valued else 1
    if at >= len(argv):
        return argv
    moved, rest, tail, j = [], [], argv[at + 1 :], 0
    while j < len(tail):
        arg = tail[j]
        if arg == "--":
            rest += tail[j:]
            break
        if arg.split("=", 1)[0] in valued and ("=" in arg or j + 1 < len(tail)):
            take = 1 if "=" in arg else 2
            moved += tail[j : j + take]
            j += take
            continue
        (moved if arg in flags else rest).append(arg)
        j += 1
    return argv[:at] + moved + [argv[at]] + rest


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns known failures into one line and an exit code."""
    import click

    from assistant.models import AssistantError

    try:
        code = app(
            args=hoist_global_options(list(sys.argv[1:] if argv is None else argv)), standalone_mode=False
        )
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        code = 130
    except AssistantError as exc:
        typer.echo(f"error: {exc}", err=True)
        code = 2
    except Exception as exc:
        if _state["verbose"]:
            raise
        if exc.__class__.__name__ == "ValidationError":  # pydantic: bad setting from env or flag
            errs = getattr(exc, "errors", lambda: [])()
            detail = "; ".join(
                (f"{'.'.join(map(str, e['loc']))}: " if e["loc"] else "")
                + e["msg"].removeprefix("Value error, ")
                for e in errs
            ) or str(exc)
            typer.echo(f"error: invalid setting: {detail}", err=True)
        else:
            typer.echo(f"error: {exc.__class__.__name__}: {exc} (run with -v for details)", err=True)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)
