"""What the product's command line and the lab share: the session (global options, one Assistant), the
options both use, and one printer of results as a table or JSON. Light imports only, so `--help` stays
instant."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

state: dict = {"verbose": 0, "overrides": {}, "assistant": None}

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
SourceOpt = Annotated[list[str] | None, typer.Option("--source", help="Only this source (repeatable).")]
FromOpt = Annotated[str | None, typer.Option("--from", help="Only documents dated on/after YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Only documents dated on/before YYYY-MM-DD.")]
DocOpt = Annotated[list[str] | None, typer.Option("--doc", help="Only this doc_id (repeatable).")]


def reset(verbose: int = 0, overrides: dict | None = None) -> None:
    """A fresh session: each run of the command line (or each in-process call of it) starts from here."""
    state.update(verbose=verbose, overrides=dict(overrides or {}), assistant=None)


def global_options(
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
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Judge claims at this day (YYYY-MM-DD), with the rules in force then."),
    ] = None,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help="More detail; -vv for debug.")
    ] = 0,
) -> None:
    """The options every command takes, the lab's included: settings that override the environment, and
    -v. Given before or after the command name (`hoist`)."""
    settings = {"index_dir": index, "chroma_host": chroma_host, "chroma_port": chroma_port,
                "embed_model": embed_model, "embed_backend": embed_backend, "llm_url": llm_url,
                "llm_model": llm_model, "llm_gguf": llm_gguf, "as_of": as_of}  # fmt: skip
    reset(verbose, settings)
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("assistant").setLevel(level)


def hoist(argv: list[str], app: typer.Typer) -> list[str]:
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


def get_assistant():
    """The session's Assistant, built on first use from the environment and the global options."""
    if state["assistant"] is None:
        from assistant.config import make_settings
        from assistant.core import Assistant

        state["assistant"] = Assistant(make_settings(**state["overrides"]))
    return state["assistant"]


def filters(source: list[str] | None, date_from: str | None, date_to: str | None, doc: list[str] | None):
    from assistant.models import Filters

    return Filters.of(source, date_from, date_to, doc)


def echo_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def emit(result, table: str, as_json: bool, out: Path | None = None) -> None:
    """The one way results are shown: the Markdown `table` to `out` when given, then `result` as JSON (a
    dict, or a record with `to_dict`) or the table on the terminal."""
    if out is not None:
        out.write_text(table, encoding="utf-8")
    if as_json:
        echo_json(result.to_dict() if hasattr(result, "to_dict") else result)
    else:
        typer.echo(table)


def setting_error(exc) -> str:
    """One line for a pydantic ValidationError: a bad setting from the environment or a flag."""
    detail = "; ".join(
        (f"{'.'.join(map(str, e['loc']))}: " if e["loc"] else "") + e["msg"].removeprefix("Value error, ")
        for e in exc.errors()
    )
    return f"error: invalid setting: {detail or exc}"
