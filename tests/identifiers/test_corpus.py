"""The identifier screen on the labelled corpus: recall and false refusals, against the targets.

The figures are printed on every run (docs/identifier-screen.md keeps them). Speed is measured
by `python -m tests.identifiers.evaluate`, never asserted here.
"""

import pytest

from rounds.core.identifiers import find_identifiers
from tests.identifiers.corpus import IDENTIFIERS, INNOCENT
from tests.identifiers.heldout import (
    HELD_OUT_B_IDENTIFIERS,
    HELD_OUT_B_INNOCENT,
    HELD_OUT_IDENTIFIERS,
    HELD_OUT_INNOCENT,
)

RECALL_TARGET = 0.97
FALSE_REFUSAL_TARGET = 0.03


def figures(identifiers, innocent):
    missed = [t for t in identifiers if not find_identifiers(t)]
    refused = [t for t in innocent if find_identifiers(t)]
    return 1 - len(missed) / len(identifiers), len(refused) / len(innocent), missed, refused


def test_the_corpus_is_big_enough_and_has_no_overlap():
    assert len(IDENTIFIERS) >= 200 and len(INNOCENT) >= 200
    every = IDENTIFIERS + INNOCENT + HELD_OUT_IDENTIFIERS + HELD_OUT_INNOCENT
    every += HELD_OUT_B_IDENTIFIERS + HELD_OUT_B_INNOCENT
    assert len(set(every)) == len(every), "a phrasing appears twice"


def test_recall_and_false_refusals_meet_the_targets(capsys):
    recall, false_refusals, missed, refused = figures(IDENTIFIERS, INNOCENT)
    lines = [
        f"identifier screen, corpus: recall {recall:.3f} ({len(IDENTIFIERS) - len(missed)}/"
        f"{len(IDENTIFIERS)}), false refusals {false_refusals:.3f} ({len(refused)}/{len(INNOCENT)})"
    ]
    for name, pos, neg in (
        ("held-out", HELD_OUT_IDENTIFIERS, HELD_OUT_INNOCENT),
        ("held-out B", HELD_OUT_B_IDENTIFIERS, HELD_OUT_B_INNOCENT),
    ):
        r, f, _, _ = figures(pos, neg)
        lines.append(f"identifier screen, {name}: recall {r:.3f}, false refusals {f:.3f}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert recall >= RECALL_TARGET, f"recall {recall:.3f} < {RECALL_TARGET}; missed: {missed}"
    assert false_refusals <= FALSE_REFUSAL_TARGET, (
        f"false refusals {false_refusals:.3f} > {FALSE_REFUSAL_TARGET}; refused: {refused}"
    )


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("MRN: #4829153 wrong diet tray", "MRN: #4829153"),
        ("the patient in bed 4 fell", "the patient in bed 4"),
        ("Ms Hernandez in 5E-22", "Ms Hernandez"),
        ("call 555-1234 for the son", "555-1234"),
        ("pt J.S. 67yo", "pt J.S."),
    ],
)
def test_a_finding_is_the_part_that_looks_like_an_identifier(text, part):
    findings = find_identifiers(text)
    assert part in [f.text for f in findings], findings
    f = next(f for f in findings if f.text == part)
    assert text[f.start : f.end] == part and f.instead
