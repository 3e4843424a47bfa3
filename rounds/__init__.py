"""Rounds: CUSP executive safety rounds."""

from pathlib import Path

__version__ = "0.1.0"

# Templates and static files live beside the package in the source tree (see README).
PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_DIR / "templates"
STATIC_DIR = PROJECT_DIR / "static"
