"""Searching the log (rounds/issues/search.py): one syntax on SQLite (FTS5) and PostgreSQL
(GIN full-text), ranked, the searched words marked (escaped), the index kept in step by every
write path. Run on both databases."""

from __future__ import annotations

import re

from rounds import db
from rounds.issues import search, service
from rounds.issues.tables import SafetyIssue
from tests.issues.test_csv import confirm, csv_bytes, upload


async def found(client, q: str, **params) -> list[str]:
    """The descriptions the log lists for a search, in order (marks removed)."""
    r = await client.get("/issues", params={"q": q, **params})
    assert r.status_code == 200
    html = r.text.split('<ul class="rows issue-rows log-cards">', 1)[-1].split("</ul>", 1)[0]
    titles = re.findall(r'<span class="row__title issue-row__title">(.*?)</span>', html)
    return [t.replace("<mark>", "").replace("</mark>", "") for t in titles]


async def test_words_phrases_prefixes_the_same_on_both_databases(client, world, login, new_issue):
    await new_issue("Linen cart blocks the fire exit")
    await new_issue("Fire doors wedged open at night", action_plan="Fit magnetic door holders")
    await new_issue("Infusion pumps missing at shift change")
    await new_issue("Exit sign over the stairs is dark", raised_by="RN, nights")
    await new_issue("Unit B has a fire exit too", unit=world.unit_b)
    await login(client, "champion")
    # words are ANDed, case does not matter, other units never show
    assert sorted(await found(client, "FIRE exit")) == [
        "Linen cart blocks the fire exit",
    ]
    # a typed word also finds the words it begins; `word*` says so explicitly
    assert await found(client, "pump") == ["Infusion pumps missing at shift change"]
    assert await found(client, "infus*") == ["Infusion pumps missing at shift change"]
    # a quoted phrase: the words next to each other, in that order
    assert await found(client, '"fire exit"') == ["Linen cart blocks the fire exit"]
    assert await found(client, '"exit fire"') == []
    assert await found(client, '"fire ex"*') == ["Linen cart blocks the fire exit"]
    # every searched column: action plan, raised by
    assert await found(client, "magnetic") == ["Fire doors wedged open at night"]
    assert await found(client, "nights exit") == ["Exit sign over the stairs is dark"]
    # search syntax of either database is just words here, never an error
    for q in [
        "fire OR pumps",
        "NEAR(fire exit)",
        '"unclosed',
        "fire -exit",
        "exit:fire",
        "*",
        "'",
        "\\",
        "a&b|c!",
        "(((",
        "%_%",
    ]:
        r = await client.get("/issues", params={"q": q})
        assert r.status_code == 200, q
    assert await found(client, "fire OR exit") == []  # OR is a word to find, not an operator


async def test_best_match_first_and_words_marked_safely(client, world, login, new_issue):
    await new_issue("Pump pump pump: three pumps alarm", priority=1)
    await new_issue("Bed alarm with a pump nearby", priority=3)
    await new_issue("<b>pump</b> & <script>alert(1)</script> in the text")
    await login(client, "champion")
    # ranked: the issue that says it most comes first (the default order when searching)
    assert (await found(client, "pump"))[0] == "Pump pump pump: three pumps alarm"
    # the log's own orders still apply when chosen
    assert (await found(client, "pump", sort="priority"))[0] == "Bed alarm with a pump nearby"
    r = await client.get("/issues", params={"q": "pump alarm"})
    assert (
        "<mark>Pump</mark> <mark>pump</mark> <mark>pump</mark>: three <mark>pumps</mark> <mark>alarm</mark>"
        in r.text
    )
    # user text is escaped, marks or not
    assert "<script>alert(1)</script>" not in r.text.replace("<script nonce", "")
    r = await client.get("/issues", params={"q": "pump"})
    assert (
        "&lt;b&gt;<mark>pump</mark>&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    )
    assert "Best match" in r.text


def test_highlight_escapes_and_marks_only_the_words():
    terms = search.parse('pump "fire exit" x*')
    html = str(search.highlight('<i>Pumps</i> & fire-exits; "fire" exit xyz', terms))
    assert html == (
        "&lt;i&gt;<mark>Pumps</mark>&lt;/i&gt; &amp; <mark>fire</mark>-exits; "
        "&#34;<mark>fire</mark>&#34; <mark>exit</mark> <mark>xyz</mark>"
    )
    assert str(search.highlight("<b>", ())) == "&lt;b&gt;"
    assert search.parse("  %% ** ") == ()


async def test_the_index_follows_every_write(client, world, login, new_issue, as_person):
    champion = await as_person("champion")
    await login(client, "champion")
    # capture
    issue_id = await new_issue("Glucometer dock drops the network")
    assert await found(client, "glucometer") == ["Glucometer dock drops the network"]
    # an edit through the service: the old words go, the new ones come
    issue = await service.get_issue(champion, issue_id)
    await service.update_issue(
        champion,
        issue_id,
        {"description": "Bladder scanner battery flat", "action_plan": "Spare battery"},
        version=issue["version"],
    )
    assert await found(client, "glucometer") == []
    assert await found(client, "scanner spare") == ["Bladder scanner battery flat"]
    # a write straight to the table (any other path) is followed too
    await SafetyIssue.update({SafetyIssue.outcome: "Charger moved to the desk"}).where(
        SafetyIssue.id == issue_id
    )
    assert await found(client, "charger") == ["Bladder scanner battery flat"]
    # an import from a spreadsheet
    content = csv_bytes(
        [["Suction regulator missing in bay four", "2024-05-01", "RN, days"]],
        ["Safety issue", "Date identified", "Raised by"],
    )
    r = await upload(client, world.unit_a, content)
    assert (await confirm(client, world.unit_a, r.text)).status_code == 303
    assert await found(client, "regulator bay") == ["Suction regulator missing in bay four"]
    # deleted
    await SafetyIssue.delete().where(SafetyIssue.id == issue_id)
    assert await found(client, "scanner") == []


async def test_search_uses_the_full_text_index(client, world, login, new_issue, query_counter):
    await new_issue("Heparin vials look alike")
    await login(client, "champion")
    with query_counter() as counted:
        assert await found(client, "heparin") == ["Heparin vials look alike"]
    statements = " ".join(counted.queries)
    if db.is_sqlite():
        assert "safety_issue_fts MATCH" in statements
    else:
        assert "to_tsquery('simple'" in statements
    assert " LIKE " not in statements


async def test_a_units_search_never_shows_another_units_issue(client, world, login, new_issue):
    await new_issue("Pump stand wobbles in bay one")
    await new_issue("Pump stand missing on the other unit", unit=world.unit_b)
    await new_issue(f"Room {world.unit_b} call bell silent")
    # the champion of unit A, by the unit filter or not: never unit B's issue
    await login(client, "champion")
    assert await found(client, "pump stand") == ["Pump stand wobbles in bay one"]
    assert await found(client, "pump", unit=world.unit_a) == ["Pump stand wobbles in bay one"]
    assert await found(client, "pump", unit=world.unit_b) == []
    # a number is a word in the text, never the unit the index narrows by
    assert await found(client, str(world.unit_b)) == [f"Room {world.unit_b} call bell silent"]
    assert await found(client, str(world.unit_a)) == []
    # unit B's champion sees only unit B's
    await login(client, "outsider")
    assert await found(client, "pump") == ["Pump stand missing on the other unit"]
    # a leader sees both units' (best match first, then newest)
    await login(client, "leader")
    assert sorted(await found(client, "pump stand")) == [
        "Pump stand missing on the other unit",
        "Pump stand wobbles in bay one",
    ]


async def test_an_issue_moved_to_another_unit_is_searched_there(client, world, login, new_issue):
    issue_id = await new_issue("Oxygen cylinder trolley has no chain")
    await SafetyIssue.update({SafetyIssue.unit: world.unit_b}).where(SafetyIssue.id == issue_id)
    await login(client, "champion")
    assert await found(client, "oxygen") == []
    await login(client, "outsider")
    assert await found(client, "oxygen cylinder") == ["Oxygen cylinder trolley has no chain"]
    # edited: found by its new words only
    await SafetyIssue.update({SafetyIssue.description: "Nitrous valve sticks"}).where(
        SafetyIssue.id == issue_id
    )
    assert await found(client, "oxygen") == []
    assert await found(client, "nitrous") == ["Nitrous valve sticks"]


async def test_best_match_among_the_newest_matches(client, world, login, new_issue, monkeypatch):
    """A common word's matches are ranked only among the newest search.RANK_LIMIT (the cost does
    not grow with the hospital); the log says so. The CSV export ranks every match."""
    monkeypatch.setattr(search, "RANK_LIMIT", 3)
    await new_issue("Wheelchair wheelchair wheelchair brakes worn (oldest)")
    for n in range(1, 5):
        await new_issue(f"Wheelchair footrest loose {n}")
    await login(client, "champion")
    listed = await found(client, "wheelchair")
    # the three newest, best match first (a tie: newest first); the oldest is not ranked
    assert listed == [
        "Wheelchair footrest loose 4",
        "Wheelchair footrest loose 3",
        "Wheelchair footrest loose 2",
    ]
    r = await client.get("/issues", params={"q": "wheelchair"})
    assert "More than 3 safety issues" in r.text
    assert "Best matches among the 3 most recently raised" in r.text
    # the log's own orders still list every match
    assert len(await found(client, "wheelchair", sort="oldest")) == 5
    r = await client.get("/issues/export.csv", params={"q": "wheelchair"})
    assert r.text.count("Wheelchair") == 5
    assert r.text.index("(oldest)") < r.text.index("loose 4")  # ranked: the best match first
    # with fewer matches than the limit, all are ranked
    monkeypatch.setattr(search, "RANK_LIMIT", 10)
    assert (await found(client, "wheelchair"))[0].endswith("(oldest)")
