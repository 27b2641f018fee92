"""Answers, verdicts and passages as the terminal shows them (the command line's plain-text output)."""

from __future__ import annotations

import textwrap

import typer


def print_hits(hits) -> None:
    if not hits:
        typer.echo("No passages found.")
    for i, h in enumerate(hits, 1):
        page = f", p. {h.page_start}" if h.page_start else ""
        typer.echo(
            f"[{i}] {h.title} ({h.date or 'no date'}, {h.source or 'no source'}{page})  score {h.score:.4f}"
        )
        typer.echo(f"    {h.doc_id} [{h.start}:{h.end}]")
        typer.echo(textwrap.fill(h.passage, width=100, initial_indent="    ", subsequent_indent="    "))


def stream_prose(steps, quiet: bool):
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


def print_answer(answer, streamed: bool = False) -> None:
    if answer.rewritten_question:
        typer.echo(f"(understood as: {answer.rewritten_question})")
    if answer.note:
        typer.echo(f"({answer.note})")
    if not (streamed and answer.mode == "generated"):
        typer.echo(answer.text)
    if answer.removed:
        n = len(answer.removed)
        typer.echo(f"({n} sentence{'s' if n > 1 else ''} removed by the check)")
        for r in answer.removed:
            typer.echo(textwrap.fill(f"- {r.sentence} ({r.reason})", width=100, subsequent_indent="  "))
    typer.echo(f"(confidence {answer.confidence:.2f} that the quoted passage answers this)")
    if answer.abstained:
        if answer.related:
            typer.echo("\nRelated, not an answer:")
            print_hits(answer.related)
        return
    typer.echo("\nSources:")
    for c in answer.citations:
        print_citation(c)


def print_verdict(verdict) -> None:
    how = f" (confidence {verdict.confidence:.2f}, by the {verdict.decided_by})" if verdict.decided_by else ""
    typer.echo(f"{verdict.verdict.upper().replace('_', ' ')}{how}: {verdict.explanation}")
    if verdict.basis:
        typer.echo(f"(confidence {verdict.basis})")
    for c in verdict.citations:
        print_citation(c)
    if verdict.related:
        typer.echo("\nRelated, not evidence:")
        print_hits(verdict.related)


def print_citation(c) -> None:
    page = f", p. {c.page}" if c.page else ""
    typer.echo(f"[{c.n}] {c.title} ({c.date or 'no date'}, {c.source or 'no source'}{page})")
    typer.echo(f"    {c.doc_id} [{c.quote_start}:{c.quote_end}]")
    typer.echo(textwrap.fill(c.shown, width=100, initial_indent="    ", subsequent_indent="    "))
