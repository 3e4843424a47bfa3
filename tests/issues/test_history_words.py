"""Records in words: the issue's history and the admin's audit log say people's names, field
labels and value labels, link to the record, and the CSV keeps the raw values."""

import csv
import io

from rounds.core.tables import Person
from rounds.issues import service
from tests.issues.conftest import viewer_for


async def test_history_and_audit_log_in_words(client, world, login, new_issue):
    issue_id = await new_issue("Suction regulators missing in two rooms")
    champion = await viewer_for(world.people["champion"])
    people = {p["id"]: p["display_name"] for p in await Person.select()}
    member, champ = world.people["member"], world.people["champion"]
    issue = await service.get_issue(champion, issue_id)
    await service.update_issue(champion, issue_id, {"owner": member}, version=issue["version"])
    issue = await service.get_issue(champion, issue_id)
    await service.update_issue(champion, issue_id, {"owner": champ}, version=issue["version"])
    issue = await service.get_issue(champion, issue_id)
    await service.change_status(
        champion, issue_id, "in_progress", reason="", version=issue["version"]
    )

    await login(client, "champion")
    page = (await client.get(f"/issues/{issue_id}")).text
    assert f"<strong>Owner</strong>: {people[member]} → {people[champ]}" in page
    assert "<strong>Status</strong>: New → In progress" in page
    assert "in_progress" not in page.split('id="history"')[1]
    assert f'<span class="history__who">{people[champ]}</span>' in page

    await login(client, "admin")
    log = (await client.get(f"/admin/audit?object_type=safety_issue&object_id={issue_id}")).text
    assert f'<a href="/issues/{issue_id}">Safety issue {issue_id}</a>' in log
    assert f"<strong>Owner</strong>: {people[member]} → {people[champ]}" in log
    assert "<strong>Status</strong>: New → In progress" in log
    exported = await client.get(f"/admin/audit.csv?object_type=safety_issue&object_id={issue_id}")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    owner_row = next(
        r for r in rows if f"Owner: {people[member]} -> {people[champ]}" in r["Changes"]
    )
    assert f'"owner": [{member}, {champ}]' in owner_row["Changes (raw)"]  # raw values kept
    status_row = next(r for r in rows if "Status: New -> In progress" in r["Changes"])
    assert '"in_progress"' in status_row["Changes (raw)"]
