"""The README's commands run as written, in order: every shell line and Python block of it, on a private
index and a private home folder (whose ~/policies holds synthetic test documents, as a user's own would)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys

import pytest
from helpers import DATA, ROOT, free_port, wait_http

pytestmark = pytest.mark.slow

_BLOCK = re.compile(r"^ *```(bash|python)\n(.*?)^ *```", re.M | re.S)
_SERVES = ("make run", "policy-assistant serve")  # they serve until stopped: checked to answer, then stopped
_SKIPPED = ("make test",)  # the command that runs this test


def readme_blocks() -> list[tuple[str, str]]:
    """(language, body) of each fenced bash or python block of the README, in order."""
    return [(lang, body) for lang, body in _BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))]


def shell_lines(body: str) -> list[str]:
    """The commands of a shell block: continuation lines joined, blank and comment lines left out."""
    joined = re.sub(r"\\\n\s*", " ", body)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


@pytest.fixture
def user_env(tmp_path):
    """A home folder with the user's documents in ~/policies, and the index in a private folder."""
    home = tmp_path / "home"
    policies = home / "policies"
    shutil.copytree(DATA / "synthetic_guides", policies / "guides")
    (policies / "old-notice.txt").write_text(
        "Synthetic test notice, written for the README check: the Fernhill pier permit closed in 2019.\n",
        encoding="utf-8",
    )
    env = {**os.environ, "HOME": str(home), "POLICY_ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
           "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "HF_HUB_OFFLINE": "1"}  # fmt: skip
    return env


def _serve(command: str, env: dict) -> None:
    """Start a serving command on a free port, wait until its page answers, stop it and its children."""
    port = free_port()
    env = {**env, "PORT": str(port)}
    if command.startswith("policy-assistant serve"):
        command = f"{command} --port {port}" if "--port" not in command else command
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = subprocess.Popen(command, shell=True, executable="/bin/bash", cwd=ROOT, env=env,
                            start_new_session=True, **quiet)  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc, seconds=300)
    finally:
        with_group = os.getpgid(proc.pid) if proc.poll() is None else None
        if with_group is not None:
            os.killpg(with_group, signal.SIGTERM)
        proc.wait(timeout=60)


def test_every_readme_command_runs_as_written(user_env):
    blocks = readme_blocks()
    assert any(lang == "python" for lang, _ in blocks) and len(blocks) >= 3
    ran = []
    for lang, body in blocks:
        if lang == "python":
            done = subprocess.run([sys.executable, "-c", body], cwd=ROOT, env=user_env, capture_output=True,
                                  text=True, timeout=600)  # fmt: skip
            assert done.returncode == 0, (body, done.stderr[-2000:])
            ran.append(body)
            continue
        for command in shell_lines(body):
            if command.startswith(_SKIPPED):
                continue
            if command.startswith(_SERVES):
                _serve(command, user_env)
                ran.append(command)
                continue
            done = subprocess.run(command, shell=True, executable="/bin/bash", cwd=ROOT, env=user_env,
                                  capture_output=True, text=True, timeout=600)  # fmt: skip
            assert done.returncode == 0, (command, done.stdout[-1000:], done.stderr[-2000:])
            assert "error:" not in done.stderr and "Traceback" not in done.stderr, (command, done.stderr)
            if " check " in command and "contradicted" in command.split("#", 1)[-1]:
                assert done.stdout.startswith("CONTRADICTED"), (command, done.stdout)
            if command.startswith("policy-assistant remove"):
                assert done.stdout.startswith("removed "), (command, done.stdout)
            ran.append(command)
    assert any(c.startswith("make run") for c in ran) and any("ingest ~/policies" in c for c in ran)
