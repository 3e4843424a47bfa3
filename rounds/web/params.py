"""Explicit Litestar markers for handler parameters (inferred ones are deprecated)."""

from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from rounds.auth.access import Viewer

# The signed-in person, provided by rounds.app.provide_viewer. Name the parameter `viewer`.
ViewerDep = NamedDependency[Viewer]

__all__ = ["ViewerDep", "FromPath", "FromQuery"]
