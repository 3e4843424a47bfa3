"""Routes for rounds.rounding (to be built)."""

route_handlers: list = []
nav: list = []
