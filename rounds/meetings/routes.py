"""Routes for rounds.meetings (to be built)."""

route_handlers: list = []
nav: list = []
