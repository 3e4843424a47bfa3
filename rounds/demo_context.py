"""What the demo loader hands each feature's demo seeder."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date


@dataclass
class DemoContext:
    today: date
    rng: random.Random
    units: list[dict] = field(default_factory=list)  # unit rows
    people: dict[str, dict] = field(default_factory=dict)  # e-mail -> person row
    team: dict[int, dict[str, list[int]]] = field(
        default_factory=dict
    )  # unit id -> unit role -> person ids
    categories: dict[str, int] = field(default_factory=dict)  # name -> id
    scale: bool = False
