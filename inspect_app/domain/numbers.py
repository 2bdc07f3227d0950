"""Whole numbers typed by people or put in URLs: read strictly, or not at all."""

from __future__ import annotations

ROW_ID_MAX = 2**31 - 1  # the largest id an INTEGER column holds
MAX_DIGITS = 18


def whole_number(text: str | None, maximum: int = ROW_ID_MAX) -> int | None:
    """`text` as an int in 0..maximum, or None when it is anything else (signs, spaces, "1e3", "²", "①").

    Decimal digits of any script count, so "１２" typed with a Chinese input method reads as 12; str.isdigit()
    would also pass "²", which int() refuses, and int() itself refuses more than 4,300 digits.
    """
    if not text or len(text) > MAX_DIGITS or not text.isdecimal():
        return None
    value = int(text)
    return value if value <= maximum else None
