"""Routes for rounds.barriers (to be built)."""

route_handlers: list = []
nav: list = []
