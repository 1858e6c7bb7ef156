"""Functions the helper process tests run in a helper."""

from __future__ import annotations

from django.db import connection


def database_name(_argument: object) -> str:
    return str(connection.settings_dict["NAME"])
