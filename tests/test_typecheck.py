"""The type checker (issue 19): CI runs pyright over rounds/ and fails on any error (.ci/run).
These checks keep that gate from eroding quietly: the settings stay strict, the version stays
pinned, suppressions stay narrow. With ROUNDS_TYPECHECK=1 (and `npm ci --prefix tests/tools`)
the last test runs pyright itself and expects zero errors (~45 s, so not by default)."""

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYRIGHT = ROOT / "tests" / "tools" / "node_modules" / ".bin" / "pyright"


def _settings() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pyright"]


def test_settings_are_strict_enough():
    s = _settings()
    assert s["include"] == ["rounds"]
    assert s["typeCheckingMode"] in ("standard", "strict")
    # an import pyright cannot resolve would make everything from it Unknown: a weaker check
    assert s["reportMissingImports"] == "error"
    # only `# pyright: ignore[rule]` silences, and one that silences nothing is an error
    assert s["enableTypeIgnoreComments"] is False
    assert s["reportUnnecessaryTypeIgnoreComment"] == "error"


def test_ci_runs_the_pinned_pyright_with_the_venv_python():
    tools = json.loads((ROOT / "tests" / "tools" / "package.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", tools["dependencies"]["pyright"]), "pin exactly"
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'tests/tools/node_modules/.bin/pyright --pythonpath "$(command -v python)" rounds' in ci


def test_suppressions_are_narrow_and_explained():
    bare, unexplained = [], []
    for path in sorted((ROOT / "rounds").rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            where = f"{path.relative_to(ROOT)}:{number}"
            if re.search(r"#\s*(type|pyright):\s*ignore(?!\[)", line):
                bare.append(where)
            elif "# pyright: ignore[" in line:
                # the reason: a comment on the lines just above
                if not any(
                    x.strip().startswith("#") for x in lines[max(0, number - 4) : number - 1]
                ):
                    unexplained.append(where)
    assert bare == [], "name the rule: # pyright: ignore[rule]"
    assert unexplained == [], "say why on the lines above (a library's annotation is wrong...)"


@pytest.mark.skipif(os.environ.get("ROUNDS_TYPECHECK") != "1", reason="ROUNDS_TYPECHECK=1 runs it")
def test_pyright_finds_no_errors():
    if not PYRIGHT.exists():
        pytest.fail("npm ci --prefix tests/tools first")
    done = subprocess.run(
        [str(PYRIGHT), "--outputjson", "--pythonpath", sys.executable, "rounds"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    report = json.loads(done.stdout)
    errors = [
        f"{d['file']}:{d['range']['start']['line'] + 1} {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert errors == []
    assert report["summary"]["filesAnalyzed"] > 100
