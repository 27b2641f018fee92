"""The page's pieces that need no browser and no Gradio: who may reach it, and upload file names."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from assistant.index.uploads import upload_name
from ui.access import exposure_warning, login_check


def test_exposure_warning():
    assert exposure_warning("127.0.0.1", None) is None and exposure_warning("localhost", None) is None
    assert "without --auth" in exposure_warning("0.0.0.0", None)
    assert exposure_warning("0.0.0.0", ("u", "p")) is None


def test_upload_names_stay_inside_their_folder_and_keep_their_extension():
    assert upload_name("../../etc/passwd") == "passwd" and upload_name("/abs/x y.pdf") == "x_y.pdf"
    assert upload_name("..") == "upload" and Path(upload_name("a/../../b.txt")).name == "b.txt"
    assert upload_name("报告.txt") == "报告.txt" and upload_name("C:\\Users\\me\\Doc.DOCX") == "Doc.docx"
    long = upload_name("x" * 300 + ".txt")
    assert long.endswith(".txt") and len(long) <= 120


def test_a_wrong_login_waits_and_a_right_one_passes_at_once():
    check = login_check("editor", "correct horse", pause=0.5)

    async def attempts():
        started = time.perf_counter()
        right = await check("editor", "correct horse")
        quick = time.perf_counter() - started
        wrong = await asyncio.gather(check("editor", "x"), check("someone", "correct horse"))
        return right, quick, wrong, time.perf_counter() - started

    right, quick, wrong, total = asyncio.run(attempts())
    assert right and quick < 0.4 and wrong == [False, False]
    assert total >= 1.0  # wrong attempts wait one at a time, whatever the number of connections
