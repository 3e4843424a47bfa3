"""Rounds: CUSP executive safety rounds."""

from pathlib import Path

__version__ = "0.1.0"

# Templates and static files live at the top of the source tree (templates/, static/). A built
# wheel or sdist carries them inside the package as rounds/_templates and rounds/_static (see
# [tool.hatch.build] in pyproject.toml); an editable install or a checkout reads the tree.
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _shipped_or_source(shipped: str, source: str) -> Path:
    inside = PACKAGE_DIR / shipped
    return inside if inside.is_dir() else PROJECT_DIR / source


TEMPLATES_DIR = _shipped_or_source("_templates", "templates")
STATIC_DIR = _shipped_or_source("_static", "static")

# Where static files are served from (web.security caches them, auth.middleware lets them through).
STATIC_PREFIX = "/static/"
