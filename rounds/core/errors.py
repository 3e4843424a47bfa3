"""The errors every feature shares, below all of them: what a service says when it will not do
what was asked. Services raise these; routes turn them into the page the person sees (the form
again with its messages, both versions to choose from, or the page saying it is locked).

Features keep their own names where many call sites use them, as the same class
(`IssueInputError`, `RoundInputError`, `MeetingInputError`, `ConcernInputError` are `InputError`)
or as a subclass carrying what its page shows (`issues.service.Conflict`, `meetings.service.Locked`).
A missing or not-yours record is Litestar's `NotFoundException` (404, the same answer for both,
so nothing is given away), raised by the services themselves."""

from __future__ import annotations


class InputError(Exception):
    """What the person typed cannot be saved, by field: {field: message}. Nothing was saved; the
    form is shown again with each message next to its field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class Conflict(Exception):
    """Someone else saved this record after this person opened it: nothing was saved, so no one's
    work is overwritten. The form shows what is saved now next to what this person wrote, to
    choose. Subclasses carry what their page shows (the saved record, the fields both changed)."""


class Locked(Exception):
    """The record is final and can no longer be changed (finalised minutes): nothing was saved.
    The message says why and what to do instead (an addendum)."""
