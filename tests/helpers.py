"""Shared test helpers: paths, the CLI in a subprocess, servers, and builders for binary inputs (PDF,
DOCX), whose text says it is synthetic. Fixtures live in conftest.py; tests import helpers from here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one Helvetica text line per page ('' gives a page with no text layer)."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    font_obj = 3 + 2 * len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, text in enumerate(pages):
        content = b""
        if text:
            safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            content = f"BT /F1 11 Tf 50 750 Td ({safe}) Tj ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_obj} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_docx(path: Path, title: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    for p in paragraphs:
        document.add_paragraph(p)
    document.save(str(path))
    return path


DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = next(CORPUS.glob("beijing_*.txt"))
EVAL_EXTRA = ROOT.parent / "shared" / "eval" / "corpus_extra"
EVAL_QA = ROOT.parent / "shared" / "eval" / "qa.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_http(url: str, proc, seconds: float = 120, log: Path | None = None) -> None:
    """Wait until `url` answers; fail with the log's tail if the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
                pytest.fail(f"{url} did not come up: {tail}")
            time.sleep(0.3)


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed command line, in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def load(path, cap: int = 50 * 1024 * 1024):
    """Discover, read and parse one file as ingest does; fails the test on a refusal."""
    from assistant.text.documents import load as load_document

    return load_document(path, cap, 5)


def assert_verdicts(assistant, expected: dict[str, tuple[str, str]], quoted: bool = False) -> None:
    """Each claim gets its verdict and the evidence figure of its first part (and, if `quoted`, the first
    citation quotes that figure)."""
    for claim, (verdict, figure) in expected.items():
        v = assistant.check(claim)
        assert (v.verdict, v.parts[0].evidence) == (verdict, figure), (claim, v.explanation)
        assert not quoted or figure in v.citations[0].quote, (claim, v.citations[0].quote)


def run_main(*args: str) -> subprocess.CompletedProcess:
    """The command line called in-process (`assistant.interfaces.cli.main`), answering as `run_cli` does:
    exit code, stdout and stderr, without the seconds a new interpreter costs."""
    import contextlib
    import io

    from assistant.interfaces.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return subprocess.CompletedProcess(["policy-assistant", *args], code, out.getvalue(), err.getvalue())
