"""docs/DEPLOY.md matches what ships and what the deployment tests run: every `rounds` command
in it parses, every file it copies from deploy/ exists, every unit it enables is shipped, and
the install line pins with requirements.lock as tests/deploy/test_wheel.py does."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from rounds.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
GUIDE = (REPO / "docs" / "DEPLOY.md").read_text()
COMMANDS = [
    line.strip()
    for block in re.findall(r"```sh\n(.*?)```", GUIDE, re.S)
    for line in block.splitlines()
    if line.strip()
]


def segments():
    """Each simple command of the guide's shell blocks, as its words."""
    for line in COMMANDS:
        if "() {" in line:
            continue  # the shell function that runs `rounds` as its user
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token in (";", "&&", "||", "|"):
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words = words[1:]  # VAR=value before a command
                if words:
                    yield words
                words = []
            else:
                words.append(token)


def test_every_rounds_command_in_the_guide_parses():
    found = [words for words in segments() if words[0] == "rounds"]
    assert len(found) >= 6
    parser = build_parser()
    for words in found:
        parser.parse_args(words[1:])  # SystemExit on an unknown command or option


def test_copied_files_and_enabled_units_are_shipped():
    copied = [w for words in segments() if words[0] in ("cp", "install") for w in words[1:]]
    shipped = [w for w in copied if w.startswith("deploy/")]
    assert "deploy/nginx/rounds.conf" in shipped and "deploy/rounds.env.example" in shipped
    for pattern in shipped:
        assert list(REPO.glob(pattern)), f"{pattern} is not in the repository"
    enabled = [w for words in segments() if words[:2] == ["systemctl", "enable"] for w in words[2:]]
    units = {p.name for p in (REPO / "deploy" / "systemd").iterdir()}
    assert len(enabled) >= 6
    for unit in (w for w in enabled if not w.startswith("-")):
        template = re.sub(r"@[^.]+\.", "@.", unit)
        assert template in units, f"{unit} is enabled in the guide but not shipped"
    timers = {u for u in units if u.endswith(".timer")}
    assert timers <= set(enabled), "every shipped timer is enabled in the guide"


def test_install_pins_like_the_wheel_test():
    assert any("pip install -c requirements.lock rounds-" in line for line in COMMANDS)
    wheel_test = (REPO / "tests" / "deploy" / "test_wheel.py").read_text()
    assert '"-c", str(REPO / "requirements.lock")' in wheel_test
