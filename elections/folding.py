"""Names folded for lookup: "Sánchez-Pérez, José" and "sanchez perez jose" are one key.

Staff type names without accents, in any case, with or without the comma of "Family,
Given": folding both the stored name and the query the same way lets one indexed equality
(or prefix) answer them. Letters of every script are kept (Arabic, Cyrillic...); only marks,
case, punctuation and the Arabic tatweel (a stretching stroke, not a letter) go.
"""

from __future__ import annotations

import unicodedata

# Folded names are stored in a 1001-character column (family, space, given).
MAX_FOLDED = 1001
# Unicode counts the tatweel (U+0640) as a letter, yet it only lengthens a joining stroke:
# "محـمد" and "محمد" are one name.
TATWEEL = "\u0640"


def fold(text: str) -> str:
    """``text`` without accents (combining marks, Arabic harakat among them) or tatweel,
    case-folded, with every run of anything but letters and digits reduced to one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch) or ch == TATWEEL:
            continue
        kept.append(ch if ch.isalnum() else " ")
    return " ".join("".join(kept).casefold().split())[:MAX_FOLDED]


def search_name(family_name: str, given_name: str) -> str:
    """What ``Voter.search_name`` holds: the folded "family given". Everything that writes
    voters (the register import, fake data, the admin form) fills it through this."""
    return fold(f"{family_name} {given_name}")


def search_name_given_first(family_name: str, given_name: str) -> str:
    """What ``Voter.search_name_given_first`` holds: the folded "given family". With
    ``search_name`` it lets a prefix of either name ride an index: "lef" is a prefix of
    "lefevre anne", "ann" of "anne lefevre"."""
    return fold(f"{given_name} {family_name}")


def name_candidates(query: str) -> list[str]:
    """The stored keys a full name typed in either order can be: "Smith Robert", "Smith,
    Robert" and "Robert Smith" all give "smith robert" among them. Every rotation of the
    words is one candidate, so "Maria José Garcia Lopez" (given first) is found too."""
    words = fold(query).split()
    return list(dict.fromkeys(" ".join(words[i:] + words[:i]) for i in range(len(words))))
