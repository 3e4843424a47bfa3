"""Compare identifier screens on the labelled corpus: recall, false refusals, time per concern.

    python -m tests.identifiers.evaluate            # the Rounds screen (and the old one)
    python -m tests.identifiers.evaluate --misses   # also list what it got wrong on the corpus
    python -m tests.identifiers.evaluate --libraries   # also presidio and philter-lite
    python -m tests.identifiers.evaluate --db var/demo.sqlite3   # every text in a database

The last one screens every distinct text value in a SQLite database (seed one with
`ROUNDS_DATABASE_URL=sqlite:////tmp/demo.db rounds demo`): what would be refused, and the time.

Held-out mistakes are not listed unless --show-held-out is given: looking at them is tuning.

Presidio's pattern recognisers and philter-lite are measured too when they are installed (they
are not project dependencies; see docs/identifier-screen.md for how the figures were made).
Speed is reported here, never asserted in tests.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from tests.identifiers import baseline
from tests.identifiers.corpus import IDENTIFIERS, INNOCENT
from tests.identifiers.heldout import (
    HELD_OUT_B_IDENTIFIERS,
    HELD_OUT_B_INNOCENT,
    HELD_OUT_IDENTIFIERS,
    HELD_OUT_INNOCENT,
)

Screen = Callable[[str], bool]  # True: the text is refused


def rounds_screen() -> Screen:
    from rounds.core.identifiers import find_identifiers

    return lambda text: bool(find_identifiers(text))


def baseline_screen() -> Screen:
    return lambda text: bool(baseline.find_identifiers(text))


PRESIDIO_THRESHOLD = 0.4  # presidio's own default for "likely" without context words


def presidio_screen(threshold: float = PRESIDIO_THRESHOLD) -> Screen | None:
    """Presidio's pattern recognisers, no NLP model (none can be downloaded here)."""
    try:
        import types

        import tldextract
        from presidio_analyzer import predefined_recognizers as p
        from presidio_analyzer.predefined_recognizers.generic import email_recognizer
    except ImportError:
        return None
    # The e-mail check fetches the public suffix list on first use; use the bundled copy.
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    email_recognizer.tldextract = types.SimpleNamespace(extract=offline)
    names = [
        "PhoneRecognizer",
        "EmailRecognizer",
        "UsSsnRecognizer",
        "UsItinRecognizer",
        "DateRecognizer",
        "NhsRecognizer",
        "UsHealthInsuranceMemberIdRecognizer",
        "UsMbiRecognizer",
        "UsClaimNumberRecognizer",
        "MedicalLicenseRecognizer",
        "UsLicenseRecognizer",
        "UsPassportRecognizer",
        "UsBankRecognizer",
        "CreditCardRecognizer",
    ]
    recognizers = [getattr(p, n)() for n in names if hasattr(p, n)]

    def screen(text: str) -> bool:
        for r in recognizers:
            for result in r.analyze(text, r.supported_entities, None) or []:
                if result.score >= threshold:
                    return True
        return False

    return screen


def philter_screen() -> Screen | None:
    """philter-lite's full filter set. Its NLTK part-of-speech tagger needs data that cannot be
    downloaded here, so tags come from token shape (capitalised: NNP, digits: CD, else NN)."""
    try:
        import os

        import philter_lite
        from philter_lite import philter
    except ImportError:
        return None

    def shape_pos(text):
        out = []
        for tok in philter._get_clean(text):
            if tok.isspace():
                out.append((tok, ""))
            elif tok[:1].isdigit():
                out.append((tok, "CD"))
            elif tok[:1].isupper():
                out.append((tok, "NNP"))
            else:
                out.append((tok, "NN"))
        return out

    philter._get_pos = shape_pos
    filters = philter_lite.load_filters(
        os.path.join(os.path.dirname(philter_lite.__file__), "configs", "philter_delta.toml")
    )

    def screen(text: str) -> bool:
        _inc, _exc, tracker = philter_lite.detect_phi(text, filters)
        return bool(tracker.phi)

    return screen


def either(a: Screen, b: Screen) -> Screen:
    return lambda text: a(text) or b(text)


def measure(screen: Screen, positives: list[str], negatives: list[str]) -> dict:
    misses = [t for t in positives if not screen(t)]
    refusals = [t for t in negatives if screen(t)]
    texts = positives + negatives
    runs = []
    for _ in range(3):
        # CPU time of this process: the machine is shared, wall time would measure the others.
        start = time.process_time()
        for t in texts:
            screen(t)
        runs.append((time.process_time() - start) / len(texts))
    return {
        "recall": 1 - len(misses) / len(positives),
        "false_refusals": len(refusals) / len(negatives),
        "ms": statistics.median(runs) * 1000,
        "misses": misses,
        "refusals": refusals,
        "n": (len(positives), len(negatives)),
    }


def scan_database(path: str) -> None:
    """Screen every distinct text in a SQLite database: nothing in the demo may be refused."""
    import sqlite3

    from rounds.core.identifiers import find_identifiers

    skip = {"person", "session", "login_throttle", "audit_event", "setting", "piccolo_migration"}
    con = sqlite3.connect(path)
    texts = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if table in skip or table.startswith("sqlite"):
            continue
        for column in con.execute(f"PRAGMA table_info({table})"):
            name, kind = column[1], (column[2] or "").upper()
            if not kind.startswith(("VARCHAR", "TEXT")) or name in ("email", "idempotency_key"):
                continue
            for (value,) in con.execute(f"SELECT DISTINCT {name} FROM {table} WHERE {name} <> ''"):
                if isinstance(value, str):
                    texts.append((table, name, value))
    start = time.process_time()
    refused = [(t, c, v) for t, c, v in texts if find_identifiers(v)]
    took = (time.process_time() - start) / max(1, len(texts)) * 1000
    for table, name, value in refused:
        print(f"refused: {table}.{name}: {value[:100]!r} {find_identifiers(value)}")
    print(f"{len(texts)} distinct texts, {len(refused)} refused, {took:.3f} CPU ms per text")


def main(argv: list[str]) -> None:
    if "--db" in argv:
        scan_database(argv[argv.index("--db") + 1])
        return
    screens: dict[str, Screen | None] = {
        "before #13 (hand-written)": baseline_screen(),
        "Rounds screen (this tree)": rounds_screen(),
    }
    if "--libraries" in argv or "--all" in argv:
        presidio = presidio_screen()
        screens["presidio-analyzer patterns"] = presidio
        screens["presidio, any score"] = presidio_screen(0.0)
        screens["philter-lite (shape POS)"] = philter_screen()
        if presidio:
            screens["Rounds + presidio"] = either(screens["Rounds screen (this tree)"], presidio)
    splits = {
        "corpus": (IDENTIFIERS, INNOCENT),
        "held-out": (HELD_OUT_IDENTIFIERS, HELD_OUT_INNOCENT),
        "held-out B": (HELD_OUT_B_IDENTIFIERS, HELD_OUT_B_INNOCENT),
    }
    print(f"{'screen':32} {'split':10} {'recall':>7} {'false ref.':>10} {'CPU ms/concern':>14}")
    for name, screen in screens.items():
        if screen is None:
            print(f"{name:32} not installed")
            continue
        for split, (pos, neg) in splits.items():
            m = measure(screen, pos, neg)
            print(
                f"{name:32} {split:10} {m['recall']:7.3f} {m['false_refusals']:10.3f} {m['ms']:14.3f}"
                f"   ({m['n'][0]} identifiers, {m['n'][1]} innocent)"
            )
            if "--misses" in argv and (split == "corpus" or "--show-held-out" in argv):
                for t in m["misses"]:
                    print("      missed:  ", t)
                for t in m["refusals"]:
                    print("      refused: ", t)


if __name__ == "__main__":
    main(sys.argv[1:])
