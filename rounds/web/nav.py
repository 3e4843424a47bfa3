"""Navigation that fits the person's role. Features add their entries in rounds/features.py."""

from __future__ import annotations

from dataclasses import dataclass

from rounds.auth.access import Viewer


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[str, ...] = ("admin", "executive", "champion", "member", "leader")
    order: int = 50


def items_for(viewer: Viewer | None, registry: list[NavItem]) -> list[NavItem]:
    if viewer is None:
        return []
    return sorted((i for i in registry if viewer.role in i.roles), key=lambda i: i.order)
