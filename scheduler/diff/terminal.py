"""Page text made safe to print: escape sequences, controls, bidi and zero-width characters removed or shown."""
from __future__ import annotations

import re

# ESC-introduced sequences (CSI, OSC/DCS/APC/PM strings, two-byte escapes) are removed whole so no
# stray parameters remain; then any remaining C0/C1 control, DEL, bidi embedding/override/isolate,
# directional mark and zero-width character is removed. Whitespace controls become a space so
# that words are not glued together.
_ESC_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # other escapes (and a lone ESC)
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
)
_SPACE_CONTROLS = re.compile("[\t\v\f\r\x85\u2028\u2029]")
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def safe_terminal(text: str) -> str:
    """Strip escape sequences, control characters (except newline), bidi controls and zero-width characters."""
    text = _ESC_SEQ.sub("", text)
    text = _SPACE_CONTROLS.sub(" ", text)
    return _UNSAFE.sub("", text)


def inline(text: str) -> str:
    """Page text inside one output line: made safe, and newlines become spaces (they could forge diff lines)."""
    return safe_terminal(text).replace("\n", " ")


def reveal(text: str) -> str:
    """For changed words only: show unsafe characters as ⟨U+XXXX⟩ so an invisible edit is visible."""
    text = _UNSAFE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", _SPACE_CONTROLS.sub(" ", text))
    return text.replace("\n", " ")
