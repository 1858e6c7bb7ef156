"""警情接口: the upstream 110 system posts alerts here (Idempotency-Key makes retries safe)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from zhengyi.alerts.models import Alert
from zhengyi.alerts.services.intake import AlertInput, IdempotencyConflict, receive_alert
from zhengyi.core.models import User

router = Router(tags=["警情 alerts"])


class AlertIn(Schema):
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
) -> Status[dict[str, Any]] | JsonResponse:
    user = request.user
    if not isinstance(user, User):
        return Status(403, {"detail": _("未登录")})
    if user.station_id is None:
        return Status(403, {"detail": _("该账户不属于任何派出所，不能受理警情")})
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
        return Status(403, {"detail": str(exc)})
    except IdempotencyConflict as exc:
        return Status(409, {"detail": str(exc)})
    except RuntimeError as exc:
        # Not stored, or not known to be: a retry with the same Idempotency-Key returns the
        # alert if it was, and stores it if not.
        return Status(503, {"detail": str(exc)})
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return Status(
            422,
            {
                "detail": _("请求有误，未创建警情"),
                "errors": {k: [str(m) for m in v] for k, v in detail.items()},
            },
        )
    # Rendered here rather than re-validated against AlertOut: the dict is built from the
    # stored row, and intake is the API's hottest path (DESIGN §7).
    reply = JsonResponse(
        _out(alert), status=201 if created else 200, json_dumps_params={"ensure_ascii": False}
    )
    if not created:
        reply["Idempotent-Replayed"] = "true"
    return reply


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
