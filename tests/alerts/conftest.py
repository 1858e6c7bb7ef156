"""Fixtures of the alerts tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def seattle_csv() -> Path:
    path = Path(settings.SHARED_DATA_DIR) / "real" / "seattle-calls-sample.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (set ZHENGYI_SHARED_DATA)")
    return path
