"""警情接口: the upstream 110 system posts alerts here (Idempotency-Key makes retries safe)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from zhengyi.alerts.models import Alert
from zhengyi.alerts.services.intake import AlertInput, IdempotencyConflict, receive_alert
from zhengyi.core.models import User
from zhengyi.core.services.tokens import user_for_token

router = Router(tags=["警情 alerts"])


class AlertFields(pydantic.BaseModel):
    """The body of an upstream call (below, as the operation's schema: AlertIn)."""

    category: str
    source: str = "phone_110"
    kind: str | None = None
    subcategory: str | None = None
    priority: int | None = None
    caller_name: str = ""
    caller_phone: str = ""
    building_code: str | None = None
    landmark_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    level: str | None = None
    location_text: str = ""
    description: str = ""
    received_at: datetime | None = None


# The operation's schema, with AlertFields' fields. The direct path validates with that plain
# model: ninja's Schema wraps every validation in a resolver for ORM objects, which a JSON
# body has no use for. (No docstring: it would become the schema's public description.)
class AlertIn(Schema, AlertFields):
    pass


class AlertOut(Schema):
    id: int
    number: str
    status: str
    kind: str
    category: str
    category_initial: str
    priority: int
    priority_initial: int
    received_at: datetime
    arrival_target_minutes: int
    standard_version: int
    zone: str | None
    level: str


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _out(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "number": alert.number,
        "status": alert.status,
        "kind": alert.kind,
        "category": alert.category,
        "category_initial": alert.category_initial,
        "priority": alert.priority,
        "priority_initial": alert.priority_initial,
        "received_at": alert.received_at,
        "arrival_target_minutes": alert.arrival_target_minutes,
        "standard_version": alert.standard.version,
        "zone": alert.zone.code if alert.zone else None,
        "level": alert.level,
    }


@router.post(
    "",
    response={200: AlertOut, 201: AlertOut, 403: Problem, 409: Problem, 422: Problem, 503: Problem},
    summary="受理警情（上游110系统）",
    description=(
        "创建一条警情。请求头 `Idempotency-Key` 使重试安全：同一键再次提交返回已创建的警情（200，"
        "`Idempotent-Replayed: true`），不会重复创建；同一键提交不同内容返回 409。"
    ),
)
def create_alert(
    request: HttpRequest,
    payload: AlertIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status[dict[str, Any]] | HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return Status(403, {"detail": _("未登录")})
    status, body = take_call(user, payload, idempotency_key)
    return _json(status, body)


def take_call(user: User, payload: AlertFields, idempotency_key: str) -> tuple[int, dict[str, Any]]:
    """The reply to one upstream call, whichever way it came in (the operation above, or the
    token callers' direct path below): the status and the JSON body."""
    if user.station_id is None:
        return 403, {"detail": _("该账户不属于任何派出所，不能受理警情")}
    data = AlertInput(
        category=payload.category,
        source=payload.source,
        kind=payload.kind,
        subcategory=payload.subcategory,
        priority=payload.priority,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        building_code=payload.building_code,
        landmark_code=payload.landmark_code,
        lon=payload.lon,
        lat=payload.lat,
        level=payload.level,
        location_text=payload.location_text,
        description=payload.description,
        received_at=payload.received_at,
    )
    try:
        alert, created = receive_alert(
            actor=user, station=user.station_id, data=data, idempotency_key=idempotency_key
        )
    except PermissionDenied as exc:
        return 403, {"detail": str(exc)}
    except IdempotencyConflict as exc:
        return 409, {"detail": str(exc)}
    except RuntimeError as exc:
        # Not stored, or not known to be: a retry with the same Idempotency-Key returns the
        # alert if it was, and stores it if not.
        return 503, {"detail": str(exc)}
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return 422, {
            "detail": _("请求有误，未创建警情"),
            "errors": {k: [str(m) for m in v] for k, v in detail.items()},
        }
    return (201 if created else 200), _out(alert)


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    # Rendered here rather than re-validated against AlertOut: the dict is built from the
    # stored row, and intake is the API's hottest path (DESIGN §7).
    reply = HttpResponse(
        json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder),
        status=status,
        content_type="application/json",
    )
    if status == 200:
        reply["Idempotent-Replayed"] = "true"
    return reply


def create_alert_direct(request: HttpRequest) -> HttpResponse | None:
    """POST /api/alerts for a caller with a bearer token, without the API framework's request
    cycle (settings.API_DIRECT_VIEWS; zhengyi.core.handlers): the body checked against the same
    schema, the same token check, the same :func:`take_call`. Anything else — a body the
    schema refuses, a token that is not valid — returns None, and the operation above answers
    it as usual, with its own error format."""
    token = request.META.get("HTTP_AUTHORIZATION", "")[len("Bearer ") :]
    try:
        payload = AlertFields.model_validate_json(request.body)
    except pydantic.ValidationError:
        return None
    user = user_for_token(token)
    if user is None:
        return None
    request.user = user
    return _json(*take_call(user, payload, request.META.get("HTTP_IDEMPOTENCY_KEY", "")))


@router.get("/{alert_id}", response={200: AlertOut, 404: Problem}, summary="警情详情")
def get_alert(request: HttpRequest, alert_id: int) -> Status[dict[str, Any]]:
    alert = (
        Alert.objects.restrict(request.user, "view")
        .select_related("standard", "zone")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise HttpError(404, "警情不存在或无权查看")
    return Status(200, _out(alert))
