"""zhengyi serve's defaults: a page worker per CPU unless WORKERS says otherwise."""

from __future__ import annotations

import pytest

from zhengyi.core.management.commands import serve


def test_a_worker_per_cpu_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKERS", raising=False)
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 6)
    assert serve.default_workers() == 6
    monkeypatch.setattr(serve.os, "cpu_count", lambda: None)  # unknown: one
    assert serve.default_workers() == 1
    monkeypatch.setenv("WORKERS", "3")
    assert serve.default_workers() == 3
