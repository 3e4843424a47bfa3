"""Who is looking, and what they may see and change. Enforced in services on every read/write.

Admins and leaders see every unit (leaders read-only). Everyone else sees only the units they
belong to. A unit someone may not see is reported as missing (404), never as forbidden, so ids
cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.exceptions import NotFoundException, PermissionDeniedException

from rounds.audit.service import Actor


@dataclass(frozen=True)
class Viewer:
    id: int
    email: str
    display_name: str
    role: str
    unit_roles: dict[int, str] = field(default_factory=dict)
    ip: str = ""
    must_change_password: bool = False
    has_second_factor: bool = False
    sign_in_method: str = "password"  # or "sso"

    @property
    def actor(self) -> Actor:
        return Actor(id=self.id, label=self.email, ip=self.ip)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_all_units(self) -> bool:
        return self.role in ("admin", "leader")

    @property
    def read_only(self) -> bool:
        return self.role == "leader"

    def can_see(self, unit_id: int) -> bool:
        return self.sees_all_units or unit_id in self.unit_roles

    def unit_role(self, unit_id: int) -> str | None:
        return self.unit_roles.get(unit_id)

    def can_manage(self, unit_id: int) -> bool:
        """Champions, executive partners and admins run a unit's log, rounds and meetings."""
        if self.read_only:
            return False
        if self.is_admin:
            return True
        return self.unit_roles.get(unit_id) in ("champion", "executive")

    def can_contribute(self, unit_id: int) -> bool:
        """Any member of the unit may capture issues and update what they own."""
        if self.read_only:
            return False
        if self.is_admin:
            return True
        return unit_id in self.unit_roles


class OtherUnitNotFound(NotFoundException):
    """A 404 for an object of a unit the viewer may not see (audited as a probe)."""

    def __init__(self, unit_id: int) -> None:
        super().__init__()
        self.unit_id = unit_id


def ensure_can_see(viewer: Viewer, unit_id: int) -> None:
    if not viewer.can_see(unit_id):
        raise OtherUnitNotFound(unit_id)


def ensure_can_manage(viewer: Viewer, unit_id: int) -> None:
    ensure_can_see(viewer, unit_id)
    if not viewer.can_manage(unit_id):
        raise PermissionDeniedException(
            "Only the unit's champions, executive partners and admins can do this."
        )


def ensure_can_contribute(viewer: Viewer, unit_id: int) -> None:
    ensure_can_see(viewer, unit_id)
    if not viewer.can_contribute(unit_id):
        raise PermissionDeniedException("Only members of this unit's CUSP team can do this.")


def ensure_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDeniedException("Only administrators can do this.")
