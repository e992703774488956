"""Compare labels across datasets: ours ("Marrakech"@fr) and a target's ("Marrakech"@fr).

Labels are compared after normalising case, accents, punctuation and a trailing abbreviation in
parentheses ("International Organization for Migration (IOM)" matches the name without "(IOM)").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from ldkit.server.pages.labels import plain

MATCH = 0.8  # similarity at or above which two labels name the same thing
PARENTHESES = re.compile(r"\s*\(([^)]*)\)\s*")
NUMBERS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", plain(text)).split())


def variants(text: str) -> set[str]:
    """The normalised label, without its parenthesised part, and that part alone."""
    found = {normalise(text), normalise(PARENTHESES.sub(" ", text))}
    found |= {normalise(inner) for inner in PARENTHESES.findall(text)}
    return {variant for variant in found if variant}


def similarity(ours: str, theirs: str) -> float:
    """How alike two labels are, 0 to 1 (1: the same after normalising). Two labels that both
    carry numbers, and not the same ones, are 0: "COP22" is not "COP21", nor "SDG 13" "SDG 11"
    (their letters alone scored 0.80 and 0.95)."""
    best = 0.0
    for mine in variants(ours):
        for other in variants(theirs):
            numbers, their_numbers = NUMBERS.findall(mine), NUMBERS.findall(other)
            if numbers and their_numbers and numbers != their_numbers:
                continue
            best = max(best, difflib.SequenceMatcher(None, mine, other).ratio())
    return round(best, 2)


def best_pair(ours: Iterable[str], theirs: Iterable[str]) -> tuple[float, str, str]:
    """The closest pair of labels (score, ours, theirs); score 0 when a side has none."""
    pairs = [(similarity(a, b), a, b) for a in ours for b in theirs]
    return max(pairs, default=(0.0, "", ""))
