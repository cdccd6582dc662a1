"""Free text people send us (emails, notes, addresses): what it may not contain.

Control characters and bidirectional overrides make stored text show something other than what
it holds (a right-to-left override turns one email address into what reads as another in the
operator's console or a mail client), and unassigned or private-use code points have no glyph
anyone can check.
"""

from __future__ import annotations

import unicodedata

# Cc control, Cf format (bidi overrides and isolates, zero-width marks, BOM), Cs lone surrogates,
# Co private use, Cn unassigned.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# A note may be laid out on lines; ZWJ joins emoji sequences people do type.
_NOTE_ALLOWED = frozenset("\r\n\t\u200d")


def is_plain(value: str) -> bool:
    """True when every character is one a person can see (or a plain space)."""
    return not any(unicodedata.category(char) in _HIDDEN for char in value)


def is_plain_note(value: str) -> bool:
    """Like `is_plain`, allowing line breaks, tabs and emoji joiners."""
    return not any(
        unicodedata.category(char) in _HIDDEN and char not in _NOTE_ALLOWED for char in value
    )
