"""Requests against this deployment through Django's test client, for the mirror tests.

Run as a separate process with the mirror's environment (its own data dir or database,
ZHENGYI_PUBLIC_ONLY=1, ZHENGYI_LEDGER_ROLE=mirror): reads a JSON list of requests on stdin —
``{"get": path}``, ``{"post": path, "data": {...}}`` (optional ``"remote"``, ``"lang"``) or
``{"count": "app.Model"}`` / ``{"values": "app.Model", "fields": [...]}`` or
``{"command": ["sunshine", "import", FILE]}`` (a management command, as `zhengyi` runs it: its
exit code and output) — and prints a JSON list of answers. Many requests share one process:
starting Django is most of the cost.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _command(args: list[str]) -> dict[str, Any]:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    stdout, stderr = StringIO(), StringIO()
    code = 0
    try:
        call_command(*args, stdout=stdout, stderr=stderr)
    except SystemExit as exc:
        code = int(exc.code or 0)
    except CommandError as exc:
        code, _ = 1, stderr.write(str(exc))
    return {"returncode": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.test import Client

    out: list[Any] = []
    for req in json.load(sys.stdin):
        if "command" in req:
            out.append(_command(req["command"]))
            continue
        if "count" in req:
            out.append(apps.get_model(req["count"]).objects.count())
            continue
        if "values" in req:
            rows = apps.get_model(req["values"]).objects.order_by("pk").values_list(*req["fields"])
            out.append([list(r) for r in rows])
            continue
        client = Client(REMOTE_ADDR=req.get("remote", "127.0.0.1"))
        if req.get("lang"):
            client.cookies["django_language"] = req["lang"]
        r = client.get(req["get"]) if "get" in req else client.post(req["post"], req.get("data", {}))
        body = b"".join(r.streaming_content) if r.streaming else r.content  # type: ignore[attr-defined]
        out.append(
            {
                "status": r.status_code,
                "body": body.decode("utf-8", "replace"),
                "location": r.get("Location", ""),
                "retry_after": r.get("Retry-After", ""),
            }
        )
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
