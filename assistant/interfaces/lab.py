"""`policy-assistant lab …`: measuring and refitting (eval, bench, train-*), beside the product's commands.
Same session and global options as the product's command line; every result goes through `emit`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.interfaces.common import JsonOpt, echo_json, emit, get_assistant, state

lab_app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

OutOpt = Annotated[Path | None, typer.Option("--out", help="Model file to write.")]
SciFactOpt = Annotated[Path | None, typer.Option("--data", help="Folder holding SciFact (BEIR format).")]
GuidesOpt = Annotated[Path | None, typer.Option("--data", help="Folder holding ConditionalQA train.jsonl.")]
WorkOpt = Annotated[Path | None, typer.Option("--work", help="Where the guide documents and their index go.")]


@lab_app.command("eval")
def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            help="Questions file (JSON lines: question, answerable, ...).", exists=True, dir_okay=False
        ),
    ],
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

    if split not in (None, "fit", "tune", "test", "train"):
        raise typer.BadParameter(f"--split must be fit, tune, test (ConditionalQA) or test, train (SciFact), "
                                 f"got {split!r}")  # fmt: skip
    rows = ev.load_jsonl(file)
    a = get_assistant()
    if ingest_paths:
        for path, reason in a.ingest(ingest_paths).failed:
            typer.echo(f"failed: {path}: {reason}", err=True)
    if vf.is_scifact(rows):
        if split not in (None, "test", "train"):
            raise typer.BadParameter(f"SciFact claims: --split must be test or train, got {split!r}")
        data = file.parent
        vf.ensure_indexed(a, data, a.settings.index_dir / "eval-data")
        claims = [c for c in vf.load_claims(rows, vf.test_ids(data)) if split in (None, c.split)]
        result = vf.evaluate(a, claims, vf.load_abstracts(data))
        emit(result, vf.format_report(result), as_json)
    elif ev.is_expected_figures(rows):
        result = ev.evaluate_expected(a, rows)
        emit(result, ev.format_expected(result), as_json)
    elif ev.is_conditionalqa(rows):
        result = ev.evaluate_conditionalqa(a, rows, split)
        emit(result, ev.format_conditionalqa(result), as_json)
    else:
        claims = bool(rows) and "claim" in rows[0]
        missing = ev.unindexed(a, rows)
        if missing:
            typer.echo(ev.unindexed_warning(missing), err=True)
        result = ev.evaluate_claims(a, rows) if claims else ev.evaluate_questions(a, rows)
        result["unindexed"] = missing
        emit(result, ev.format_claims(result) if claims else ev.format_report(result), as_json)


@lab_app.command("train-answerer")
def train_answerer(
    data: GuidesOpt = None,
    work: WorkOpt = None,
    out: OutOpt = None,
    passages: Annotated[int, typer.Option("--passages", help="Top passages to take sentences from.")] = 8,
) -> None:
    """Refit the answer selector on ConditionalQA's train split (split by guide) and save it."""
    from assistant.measuring import training as t

    if passages < 1:
        raise typer.BadParameter(f"--passages must be at least 1, got {passages}")
    echo_json(t.train(data or t.DEFAULT_DATA, work or Path("build/train-answerer"), out, passages))


@lab_app.command("train-support")
def train_support(data: SciFactOpt = None, out: OutOpt = None) -> None:
    """Refit the prose checker's support model on SciFact's training claims and save it."""
    from assistant.config import make_settings
    from assistant.generation.checker import SUPPORT_PATH
    from assistant.index.embeddings import make_embedder
    from assistant.measuring import support_fit as f

    s = make_settings(**state["overrides"])
    embedder = make_embedder(s.embed_backend, s.embed_model, s.batch_size, s.device, s.models_dir)
    echo_json(
        f.train(data or f.DEFAULT_DATA, out or SUPPORT_PATH, embedder.embed, Path("build/train-support"))
    )


@lab_app.command("train-verdicts")
def train_verdicts(
    data: SciFactOpt = None,
    out: OutOpt = None,
    work: Annotated[
        Path, typer.Option("--work", help="Cache of the searched candidate pairs (reused by refits).")
    ] = Path("build/train-verdicts"),
) -> None:
    """Refit the claim verdict model on SciFact's 809 training claims (the index gets SciFact's abstracts)."""
    from assistant.measuring import verdict_fit as f
    from assistant.reasoning.verdicts import MODEL_PATH

    a = get_assistant()
    data = data or f.DEFAULT_DATA
    f.ensure_indexed(a, data, work)
    echo_json(f.train(a, data, out or MODEL_PATH, work))


@lab_app.command("train-confidence")
def train_confidence(
    data: GuidesOpt = None,
    work: WorkOpt = None,
    out: OutOpt = None,
    per_guide: Annotated[
        int, typer.Option("--per-guide", min=1, help="Sentences stating a figure taken from each guide.")
    ] = 2,
) -> None:
    """Refit the figure-verdict confidence on claims generated from ConditionalQA's gov.uk guides (indexed
    under --work), measured on the guides of the test split."""
    from assistant.measuring import confidence_fit as f
    from assistant.measuring import training as t
    from assistant.reasoning.confidence import CONFIDENCE_PATH

    path = (data or t.DEFAULT_DATA) / "train.jsonl"
    if not path.is_file():
        raise typer.BadParameter(f"no ConditionalQA train.jsonl in {path.parent}")
    assistant = t.guide_index(t.load_jsonl(path), work or Path("build/train-answerer"))
    echo_json(f.train(assistant, out or CONFIDENCE_PATH, per_guide))


@lab_app.command("build-lexicon")
def build_lexicon(
    wordnet: Annotated[
        Path, typer.Option("--wordnet", help="WordNet 3.0's dict folder (data.verb, index.sense, verb.exc).")
    ],
    cedict: Annotated[
        Path | None,
        typer.Option("--cedict", help="CC-CEDICT (.txt or .gz), for the Chinese words of change."),
    ] = None,
    out: OutOpt = None,
) -> None:
    """Rebuild the direction lexicon (assistant/data/direction.json) from WordNet 3.0 (and CC-CEDICT)."""
    from assistant.measuring import lexicon_build as b
    from assistant.text.lexicon import LEXICON_PATH

    try:
        echo_json(b.write(wordnet, out or LEXICON_PATH, cedict))
    except (FileNotFoundError, ValueError) as e:
        raise typer.BadParameter(str(e)) from None


@lab_app.command("train-reader")
def train_reader(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write the reader to (assistant/data/reader).")
    ] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Passes over the fitting pairs.")] = 1,
    threads: Annotated[int, typer.Option("--threads", min=1, help="CPU threads for torch.")] = 2,
    work: Annotated[
        Path, typer.Option("--work", help="Where the guides' index and the mined candidates go (reused).")
    ] = Path("build/train-reader"),
) -> None:
    """Fine-tune the reader (cross-encoder) from the bundled MiniLM on ConditionalQA fit guides, SciFact
    train claims and edits of their sentences; print held-out figures; save it as ONNX int8."""
    from assistant.measuring import reader_fit as f
    from assistant.reader.model import DEFAULT_DIR

    echo_json(f.train(out or DEFAULT_DIR, work, epochs=epochs, threads=threads))


@lab_app.command("train-chinese")
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

    echo_json(f.train(get_assistant(), data or DEFAULT_DATA, out or MODEL_PATH))


@lab_app.command()
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
    from_index: Annotated[
        Path | None,
        typer.Option("--from-index", help="With --latency-only: build the rows from this SciFact index."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Retrieval quality on BEIR SciFact, ingest throughput, and latency/memory at 1k-100k chunks."""
    from assistant.measuring import bench as b

    if from_index is not None and not latency_only:
        raise typer.BadParameter("--from-index goes with --latency-only")
    if retrieval:
        result = b.retrieval_only(get_assistant(), data or b.DEFAULT_DATA, docs)
        emit(result, b.retrieval_markdown(result), as_json, out)
    elif cmrc:
        from assistant.measuring import cmrc as c

        a = get_assistant()
        paragraphs, questions = c.load(data or c.DEFAULT_DATA)
        c.ensure_indexed(a, paragraphs, a.settings.index_dir / "bench-data")
        result = c.evaluate(a, questions)
        emit(result, c.to_markdown(result, b.machine()), as_json, out)
    elif drafts:
        from assistant.measuring import prose_bench as pb

        result = pb.draft_run()
        emit(result, pb.drafts_markdown(result, b.machine()), as_json, out)
    elif prose:
        from assistant.generation.llm import bundled_gguf
        from assistant.measuring import prose_bench as pb

        result = pb.run(state["overrides"].get("llm_gguf") or bundled_gguf())
        emit(result, pb.to_markdown(result, b.machine()), as_json, out)
    else:
        result = b.run(quick=quick, data_dir=data or b.DEFAULT_DATA, latency_only=latency_only,
                       from_index=from_index)  # fmt: skip
        emit(result, b.to_markdown(result), as_json, out)
