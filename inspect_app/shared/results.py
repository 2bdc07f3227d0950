"""Typed access to what Session.execute returns."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched.

    Session.execute is typed as returning a Result, but for those statements it is a CursorResult, which counts.
    """
    return cast(CursorResult[Any], result).rowcount
