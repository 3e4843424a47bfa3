"""Rebuild rounds/core/lexicon/*.txt, the word lists the identifier screen reads.

Run once, by hand, in a throw-away environment (not a project dependency):
    pip install names==0.3.0 wordfreq==3.1.1 english-words==2.0.2
    python tests/identifiers/build_lexicon.py

- names.txt: US Census 1990 name tables (public domain, shipped by the `names` package):
  surnames covering 80% of people and first names covering 95%, lower-cased, one a line with
  a tag (F first name, S surname, W also a lower-case word in Webster's 2nd, public domain,
  shipped by `english-words`: smith, pool, champion; not sarah, garcia), minus common English
  words, except the 2,000 most frequent surnames and 600 most frequent first names (Smith,
  Garcia, Patel...), which stay.
- common.txt: English words with a Zipf frequency >= 3.3 in `wordfreq` (about 18k words),
  minus those frequent names unless they are everyday words too (Zipf >= 5: will, may,
  young, brown), which are in both lists. The screen uses it to tell "Mr Coffee machine" from
  "Mr Abernathy" and "pt will fall" from "pt garcia fell".
"""

import os
import re
from pathlib import Path

import names
from english_words import get_english_words_set
from wordfreq import top_n_list, zipf_frequency

OUT = Path(__file__).resolve().parents[2] / "rounds" / "core" / "lexicon"
SRC = Path(os.path.dirname(names.__file__))


def table(name, cumulative_max):
    out = []
    for line in (SRC / name).read_text().splitlines():
        word, _freq, cum, rank = line.split()
        if float(cum) <= cumulative_max:
            out.append((word.lower(), int(rank)))
    return out


surnames = table("dist.all.last", 80.0)
firsts = table("dist.female.first", 95.0) + table("dist.male.first", 95.0)
frequent_names = {w for w, r in surnames if r <= 2000} | {w for w, r in firsts if r <= 600}
common = {
    w
    for w in top_n_list("en", 40000)
    if re.fullmatch(r"[a-z][a-z'-]*", w) and zipf_frequency(w, "en") >= 3.3
}
# A dictionary word (lower case in Webster's 2nd): W in names.txt.
everyday = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower()}
common -= {w for w in frequent_names if zipf_frequency(w, "en") < 5.0}
first = {w for w, _ in firsts}
last = {w for w, _ in surnames}
name_words = sorted(((first | last) - common) | frequent_names)
OUT.mkdir(exist_ok=True)
lines = [
    f"{w}\t{'F' if w in first else ''}{'S' if w in last else ''}{'W' if w in everyday else ''}"
    for w in name_words
]
(OUT / "names.txt").write_text("\n".join(lines) + "\n")
(OUT / "common.txt").write_text("\n".join(sorted(common)) + "\n")
print(len(name_words), "names;", len(common), "common words")
