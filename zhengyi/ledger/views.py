"""The public face of the log: c2sp.org/tlog-tiles, JSON proofs, and a page per entry.

Everything here is public and needs no login: the log holds nothing personal (what is not
public goes in as a salted commitment, docs/ledger.md). Tiles and entry bundles are immutable
and served with long cache lifetimes; the checkpoint changes and is not cached.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from zhengyi.core.services.roles import system_user
from zhengyi.ledger import entries, merkle, storage, tiles
from zhengyi.ledger.models import Checkpoint, Entry, LogKey, Witness
from zhengyi.ledger.services import log as ledger_log
from zhengyi.ledger.services.witnesses import add_cosignatures, policy

IMMUTABLE = "public, max-age=31536000, immutable"
NOTE_TYPE = "text/plain; charset=utf-8"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _text(body: str, *, status: int = 200, cache: str = "no-cache") -> HttpResponse:
    response = HttpResponse(body, content_type=NOTE_TYPE, status=status)
    response["Cache-Control"] = cache
    return response


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


# ---------------------------------------------------------------------------------------------
# c2sp.org/tlog-tiles


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    cp = ledger_log.latest_checkpoint()
    if cp is None:
        return _text("尚无检查点 / no checkpoint yet\n", status=404)
    return _text(ledger_log.served_note(cp))


@require_GET
def checkpoint_witnessed(request: HttpRequest) -> HttpResponse:
    """The newest checkpoint meeting the witness policy (k of the configured witnesses)."""
    cp = ledger_log.witnessed_checkpoint()
    if cp is None:
        return _text("尚无满足见证策略的检查点 / no checkpoint meets the witness policy yet\n", status=404)
    return _text(ledger_log.served_note(cp))


@require_GET
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        wanted = tiles.parse_tile_path("tile/" + path)
    except tiles.TilePathError as exc:
        return _text(f"{exc}\n", status=404)
    head = storage.read_head()
    try:
        if wanted.is_entries:
            data = storage.entry_bundle(wanted.index, wanted.width, head.size)
        else:
            reader = storage.TreeReader(head.size, log_id=head.log_id)
            data = reader.tile_hashes(wanted.level, wanted.index, wanted.width)
    except LookupError as exc:
        return _text(f"{exc}\n", status=404)
    response = HttpResponse(data, content_type="application/octet-stream")
    # A tile's bytes are fixed by its path (a partial tile's too): cache them for good.
    response["Cache-Control"] = IMMUTABLE
    return response


@require_GET
def key(request: HttpRequest) -> HttpResponse:
    current = LogKey.objects.filter(status=LogKey.Status.CURRENT).order_by("-published_at").first()
    if current is None:
        return _text("尚未生成签名密钥 / no log key published yet\n", status=404)
    return _text(current.vkey + "\n", cache="public, max-age=300")


@require_GET
def keys(request: HttpRequest) -> JsonResponse:
    rows = list(LogKey.objects.exclude(status=LogKey.Status.TRUSTED).order_by("published_at", "id"))
    return JsonResponse(
        {
            "origin": rows[len(rows) - 1].vkey.split("+", 1)[0] if rows else settings.LEDGER_ORIGIN,
            "keys": [
                {
                    "vkey": row.vkey,
                    "status": row.status,
                    "published_at": row.published_at.isoformat(),
                    "retired_at": row.retired_at.isoformat() if row.retired_at else None,
                    "transition": row.transition or None,
                }
                for row in rows
            ],
            "witnesses": [{"name": w.name, "vkey": w.vkey} for w in Witness.objects.filter(active=True)],
            "witnesses_required": policy()[0],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
@require_POST
def cosign(request: HttpRequest) -> HttpResponse:
    """A witness hands in its cosignature: the cosigned checkpoint, or just its line(s) with
    ``?size=`` (default: the newest checkpoint). The signature is the authentication."""
    if len(request.body) > 16 * 1024:
        return _text("too large\n", status=413)
    try:
        text = request.body.decode("utf-8")
        size = int(request.GET["size"]) if request.GET.get("size") else None
        stored = add_cosignatures(text, actor=system_user(), size=size)
    except (UnicodeDecodeError, ValueError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _text(f"{message}\n", status=400)
    names = ", ".join(sorted({c.witness.name for c in stored}))
    return _text(f"已收到联署 / cosignature accepted: {names}\n")


# ---------------------------------------------------------------------------------------------
# JSON proofs


def _int_param(request: HttpRequest, name: str, default: int | None = None) -> int:
    raw = request.GET.get(name) or ""
    if not raw:
        if default is None:
            raise ValueError(f"missing parameter {name!r}")
        return default
    if not raw.isdigit() or len(raw) > 20:
        raise ValueError(f"parameter {name!r} must be a non-negative integer")
    return int(raw)


def _tree_size(request: HttpRequest, name: str = "size") -> tuple[storage.TreeReader, Checkpoint | None]:
    """A reader for the tree the request names (default: the newest checkpoint's)."""
    latest = ledger_log.latest_checkpoint()
    size = _int_param(request, name, latest.size if latest is not None else 0)
    head = storage.read_head()
    if size > head.size:
        raise ValueError(f"the log has fewer than {size} entries")
    cp = (
        latest if latest is not None and latest.size == size else Checkpoint.objects.filter(size=size).first()
    )
    return storage.TreeReader(size, log_id=head.log_id), cp


@require_GET
def api_inclusion(request: HttpRequest) -> JsonResponse:
    try:
        reader, cp = _tree_size(request)
        size = reader.size
        index = _int_param(request, "index")
        if index >= size:
            raise ValueError(f"entry {index} is not in the tree of size {size}")
    except ValueError as exc:
        return _error(str(exc))
    leaf = merkle.leaf_hash(storage.entry_data(index, index + 1)[0])
    proof = storage.inclusion_proof(index, size, reader)
    return JsonResponse(
        {
            "index": index,
            "size": size,
            "leaf_hash": _b64(leaf),
            "proof": [_b64(h) for h in proof],
            "root_hash": _b64(storage.root_at(size, reader)),
            "checkpoint": ledger_log.served_note(cp) if cp is not None else None,
        }
    )


@require_GET
def api_consistency(request: HttpRequest) -> JsonResponse:
    try:
        reader, cp = _tree_size(request, "to")
        size2 = reader.size
        size1 = _int_param(request, "from")
        if size1 > size2:
            raise ValueError(f"no consistency proof from size {size1} to a smaller {size2}")
    except ValueError as exc:
        return _error(str(exc))
    return JsonResponse(
        {
            "from": size1,
            "to": size2,
            "proof": [_b64(h) for h in storage.consistency_proof(size1, size2, reader)],
            "checkpoint": ledger_log.served_note(cp) if cp is not None else None,
        }
    )


def _entry_or_404(index: int) -> Entry:
    found = Entry.objects.filter(index=index).first()
    if found is None:
        raise Http404("no such entry")
    return found


def _entry_json(entry: Entry) -> dict[str, Any]:
    data = bytes(entry.data)
    return {
        "index": entry.index,
        "kind": entry.kind,
        "logged_at": entry.logged_at.isoformat(),
        "data": _b64(data),
        "text": data.decode("utf-8", errors="replace"),
        "leaf_hash": _b64(merkle.leaf_hash(data)),
    }


@require_GET
def api_entry(request: HttpRequest, index: int) -> JsonResponse:
    return JsonResponse(_entry_json(_entry_or_404(index)), json_dumps_params={"ensure_ascii": False})


# ---------------------------------------------------------------------------------------------
# Pages


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    cp = ledger_log.latest_checkpoint()
    recent = list(Entry.objects.order_by("-index").only("index", "kind", "logged_at")[:30])
    k, n = policy()
    return render(
        request,
        "ledger/index.html",
        {
            "checkpoint": cp,
            "served": ledger_log.served_note(cp) if cp is not None else "",
            "size": storage.read_head().size,
            "recent": recent,
            "kinds": entries.KINDS,
            "keys": LogKey.objects.exclude(status=LogKey.Status.TRUSTED).order_by("-published_at"),
            "witnesses": Witness.objects.filter(active=True),
            "policy_k": k,
            "policy_n": n,
        },
    )


@require_GET
def entry_page(request: HttpRequest, index: int) -> HttpResponse:
    entry = _entry_or_404(index)
    data = bytes(entry.data)
    cp = ledger_log.latest_checkpoint()
    proof: list[bytes] = []
    if cp is not None and index < cp.size:
        proof = storage.inclusion_proof(index, cp.size, storage.TreeReader(cp.size))
    try:
        pretty = json.dumps(entries.decode(data), ensure_ascii=False, indent=2, sort_keys=True)
    except entries.EntryError:
        pretty = data.decode("utf-8", errors="replace")
    base = request.build_absolute_uri("/").rstrip("/")
    verify_data = {
        "index": index,
        "size": cp.size if cp is not None else 0,
        "entry": _b64(data),
        "proof": [_b64(h) for h in proof],
        "root": _b64(bytes(cp.root)) if cp is not None else "",
        "checkpoint": ledger_log.served_note(cp) if cp is not None else "",
        "vkeys": list(LogKey.objects.exclude(status=LogKey.Status.TRUSTED).values_list("vkey", flat=True)),
    }
    return render(
        request,
        "ledger/entry.html",
        {
            "entry": entry,
            "kind": entries.KINDS.get(entry.kind),
            "text": data.decode("utf-8", errors="replace"),
            "pretty": pretty,
            "leaf_hash": merkle.leaf_hash(data).hex(),
            "checkpoint": cp,
            "served": verify_data["checkpoint"],
            "covered": cp is not None and index < cp.size,
            "proof": [h.hex() for h in proof],
            "verify_data": verify_data,
            "base_url": base,
        },
    )
