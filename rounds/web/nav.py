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
    # Roles for whom this entry is less used: it goes under "More" so the bar stays one row
    more_for: tuple[str, ...] = ()


def items_for(viewer: Viewer | None, registry: list[NavItem]) -> list[NavItem]:
    if viewer is None:
        return []
    return sorted((i for i in registry if viewer.role in i.roles), key=lambda i: i.order)


def split_for(
    viewer: Viewer | None, registry: list[NavItem]
) -> tuple[list[NavItem], list[NavItem]]:
    """(the bar, the "More" menu) for this person."""
    items = items_for(viewer, registry)
    role = viewer.role if viewer else ""
    return [i for i in items if role not in i.more_for], [i for i in items if role in i.more_for]
