"""The house rules that lint-imports cannot see: no import circle (lazy imports included), a facade that
only wires and delegates, and a product command line apart from the lab's."""

from __future__ import annotations

import ast
import importlib.util

from helpers import ROOT


def _cycles_module():
    spec = importlib.util.spec_from_file_location("import_cycles", ROOT / ".ci" / "import_cycles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_circle_and_a_planted_one_is_found(tmp_path, monkeypatch):
    check = _cycles_module()
    monkeypatch.chdir(ROOT)
    assert check.main(["assistant", "ui"]) == 0
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import x\n")
    (pkg / "b.py").write_text("def x():\n    from pkg import a\n")  # lazy, still a circle
    monkeypatch.chdir(tmp_path)
    assert check.main(["pkg"]) == 1


def _methods(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_the_facade_only_wires_and_delegates():
    core = ROOT / "assistant" / "core.py"
    assert len(core.read_text(encoding="utf-8").splitlines()) <= 200
    long = {m.name: m.end_lineno - m.lineno + 1 for m in _methods(core) if m.end_lineno - m.lineno >= 15}
    assert not long, f"methods over 15 lines in core.py: {long}"


def test_the_product_command_line_stays_small_and_the_lab_lives_apart():
    cli = ROOT / "assistant" / "interfaces" / "cli.py"
    assert len(cli.read_text(encoding="utf-8").splitlines()) <= 350
    names = {m.name for m in _methods(cli)}
    assert not names & {"evaluate", "bench", "train_answerer", "train_verdicts"}
