"""Shared by the ledger tests: the published vectors in ``vectors/`` (each file names its source)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zhengyi.ledger.merkle import ProofError

VECTORS = Path(__file__).parent / "vectors"


def load(name: str) -> Any:
    data = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    assert data["_source"], f"{name} must say where its vectors come from"
    return data


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def b64s(values: list[str] | None) -> list[bytes]:
    """Go's JSON encoding of [][]byte: base64 strings, null for an empty slice."""
    return [base64.b64decode(v) for v in values or []]


def fails(verify: Callable[..., None], *args: object) -> bool:
    """Whether a merkle verification call raises ProofError (and nothing else)."""
    try:
        verify(*args)
    except ProofError:
        return True
    return False
