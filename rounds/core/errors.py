"""Errors the features share, below all of them."""

from __future__ import annotations


class InputError(Exception):
    """Bad input, by field: {field: message}. rounds.issues.service.IssueInputError is this class
    (barriers raise it too, and the rounds that open barriers catch it)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors
