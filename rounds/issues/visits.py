"""'Since I last looked' on home (issue #20): counted from the person's previous visit. Here,
beside the log's home panel that shows it (rounds.issues.panels), not in rounds.home, which
shows the features' panels and so sits above them.

A *visit* is a run of home page views less than VISIT_GAP apart. Coming back to home within
half an hour (after opening an issue, say) is the same visit, so "since I last looked" does not
empty itself while the person is still reading it; a home view after a longer gap starts a new
visit, whose "since" is the last home view of the previous one. Until there is a previous visit
(the first visit ever) it looks back FIRST_LOOK, as the page did before. Stored per person on
`person` (home_viewed_at: the latest home view; home_since: where the current visit's "since"
starts, empty during the first visit); one read and one write per home view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rounds import db
from rounds.auth.access import Viewer
from rounds.core import clock
from rounds.core.tables import Person

VISIT_GAP = timedelta(minutes=30)
FIRST_LOOK = timedelta(days=14)


def next_look(viewed_at: datetime | None, since: datetime | None, now: datetime) -> datetime | None:
    """The current visit's "since" after a home view at `now` (None: no previous visit yet),
    from the latest home view and the "since" stored before it."""
    if viewed_at is not None and now - viewed_at >= VISIT_GAP:
        return viewed_at  # a new visit: since the last view of the previous one
    return since  # the same visit goes on (or the first one)


@dataclass(frozen=True)
class Look:
    since: datetime  # "since I last looked" starts here
    first: bool  # no previous visit: `since` is FIRST_LOOK ago


async def look(viewer: Viewer) -> Look:
    """Record a home view by `viewer` and return where "since I last looked" starts."""
    now = clock.now()
    row = (
        await Person.select(Person.home_viewed_at, Person.home_since)
        .where(Person.id == viewer.id)
        .first()
    )
    since = next_look(row["home_viewed_at"], row["home_since"], now) if row else None
    async with db.write_transaction():
        await Person.update({Person.home_viewed_at: now, Person.home_since: since}).where(
            Person.id == viewer.id
        )
    if since is None:
        return Look(now - FIRST_LOOK, True)
    return Look(since, False)
