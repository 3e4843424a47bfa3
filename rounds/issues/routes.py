"""Routes for rounds.issues (to be built)."""

route_handlers: list = []
nav: list = []
