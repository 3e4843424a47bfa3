"""Importing the app (and its command line and Piccolo configuration) creates no files."""

import subprocess
import sys

from tests.deploy.conftest import REPO, clean_env


def test_importing_the_app_creates_no_files(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import rounds.app, rounds.cli, rounds.piccolo_conf, rounds.db; rounds.cli.build_parser()",
        ],
        cwd=tmp_path,
        env=clean_env(PYTHONPATH=str(REPO)),
        check=True,
    )
    assert list(tmp_path.iterdir()) == []
