"""The demo log: hundreds of issues, every status and source, consistent with the rules, no identifiers."""

from rounds import demo
from rounds.issues import rules
from rounds.issues.service import screen
from rounds.issues.tables import IssueUpdate, SafetyIssue


async def test_demo_log_is_realistic_and_identifier_free(engine):
    await demo.load("demo-password-for-tests-1")
    issues = await SafetyIssue.select()
    assert 300 <= len(issues) <= 600
    assert {i["status"] for i in issues} == set(rules.STATUSES)
    assert {i["source"] for i in issues} == set(rules.SOURCES)
    assert len({i["category"] for i in issues}) >= 10
    assert await IssueUpdate.count() > 100
    for i in issues:
        assert not screen(
            {
                k: i[k]
                for k in (
                    "description",
                    "raised_by",
                    "action_plan",
                    "outcome",
                    "feedback_said",
                    "cannot_do_reason",
                )
            }
        ), i
        if i["status"] == "closed":
            assert i["feedback_given_on"] and i["feedback_how"]
        if i["status"] == "cannot_do":
            assert i["cannot_do_reason"]
        assert i["priority"] == rules.effective_priority(
            i["harm"], i["likelihood"], i["priority_override"]
        )
