"""Command line: `policy-assistant ingest|list|remove|search|ask|check|brief|serve|chat`, one clear line per
problem; the measuring and refitting commands are under `policy-assistant lab` (interfaces/lab.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.interfaces.common import (
    DocOpt,
    FromOpt,
    JsonOpt,
    SourceOpt,
    ToOpt,
    echo_json,
    emit,
    filters,
    get_assistant,
    global_options,
    hoist,
    reset,
    setting_error,
    state,
)
from assistant.interfaces.lab import lab_app
from assistant.interfaces.printing import print_answer, print_hits, print_verdict, stream_prose
from assistant.models import plural  # records only: no heavy import

app = typer.Typer(
    help="Policy Assistant: answers from your policy documents, with cited passages. Offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(global_options)
app.add_typer(
    lab_app, name="lab", help="Measuring and refitting (eval, bench, train-*), beside the product's commands."
)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or http(s) URLs.")],
    prune: Annotated[
        bool, typer.Option(help="Remove documents whose files are gone from these folders.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add or update documents; unchanged ones are skipped. Exit code 1 when any input failed."""
    report = get_assistant().ingest(paths, prune=prune, progress=not as_json and sys.stderr.isatty())
    if as_json:
        echo_json(report.to_dict())
    else:
        for path, reason in report.failed:
            typer.echo(f"failed: {path}: {reason}", err=True)
        typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


@app.command("list")
def list_documents(as_json: JsonOpt = False) -> None:
    """Indexed documents: doc_id, title, date, source, chunks, and the paths they were ingested from."""
    docs = get_assistant().documents()
    if as_json:
        echo_json([d.to_dict() for d in docs])
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
    report = get_assistant().remove(target, by="doc_id" if doc_id else "auto")
    if as_json:
        echo_json(report.to_dict())
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
    hits = get_assistant().search(query, k=k, filters=filters(source, date_from, date_to, doc))
    if as_json:
        echo_json([{"rank": i} | h.to_dict() for i, h in enumerate(hits, 1)])
        return
    print_hits(hits)


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
    where = filters(source, date_from, date_to, doc)
    if not generate:
        answer = get_assistant().ask(question, history=history, filters=where)
    else:
        answer = stream_prose(get_assistant().ask_stream(question, history, where), quiet=as_json)
    if as_json:
        echo_json(answer.to_dict())
    else:
        print_answer(answer, streamed=generate)


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

        report = get_assistant().check_file(file, filters=filters(source, date_from, date_to, doc))
        emit(report, draft_markdown(report), as_json, out)
        return
    verdict = get_assistant().check(claim, filters=filters(source, date_from, date_to, doc))
    echo_json(verdict.to_dict()) if as_json else print_verdict(verdict)


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

    briefing = get_assistant().brief(
        topic, filters=filters(source, date_from, date_to, doc), generate=generate
    )
    emit(briefing, briefing_markdown(briefing), as_json, out)


def _same_file(a: Path, b: Path) -> bool:
    """Do two paths name one file (a link or another spelling included)?"""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


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
        from ui.access import exposure_warning
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
    a = get_assistant()
    typer.echo(f"Policy Assistant: {plural(len(a.documents()), 'document')}; serving on http://{host}:{port}",
               err=True)  # fmt: skip
    serve_page(a, host=host, port=port, auth=credentials)


@app.command()
def chat() -> None:
    """Multi-turn questions in the terminal; follow-ups use the earlier turns ('exit' or Ctrl-D to leave)."""
    from assistant.models import AssistantError

    a = get_assistant()
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
        print_answer(answer)
        history.append((answer.rewritten_question or question, answer.text))


def hoist_global_options(argv: list[str]) -> list[str]:
    """Global options given after the command (`ingest corpus --index /tmp/x`, `lab eval F --index /x`) moved
    before it, where the command line parser expects them."""
    return hoist(argv, app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns known failures into one line and an exit code."""
    from assistant.models import AssistantError

    reset()  # a fresh session per call, so in-process callers (tests) never see an earlier Assistant
    try:
        args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
        code = app(args=args, prog_name="policy-assistant", standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # the parser's (typer's own click): no such command, a bad value
        message, ctx = exc.format_message(), getattr(exc, "ctx", None)  # type: ignore[attr-defined]
        if message:  # none after the help that a bare `policy-assistant` or `lab` prints
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            typer.echo(f"error: {message}{hint}", err=True)
        code = getattr(exc, "exit_code", 2)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        code = 130
    except AssistantError as exc:
        typer.echo(f"error: {exc}", err=True)
        code = 2
    except Exception as exc:
        if state["verbose"]:
            raise
        import pydantic

        if isinstance(exc, pydantic.ValidationError):  # a bad setting from the environment or a flag
            typer.echo(setting_error(exc), err=True)
        else:
            typer.echo(f"error: {exc.__class__.__name__}: {exc} (run with -v for details)", err=True)
        code = 2
    if argv is None:  # the process ends here: its exit need not walk every object (about 0.3 s saved)
        import gc

        gc.freeze()
    sys.exit(code if isinstance(code, int) else 0)
