"""A problem found in a dialogue by the checks (validate.py and its neighbours)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """A problem in the dialogue; `where` is a key of Dialogue.origins such as 'node:start'."""

    severity: str
    code: str
    message: str
    where: str = ""
    node: str = ""
