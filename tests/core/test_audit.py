"""Every service write leaves an ObjectChange, from any door: page, API, CLI."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from zhengyi.core.current import acting_as
from zhengyi.core.models import AccessLog, ObjectChange
from zhengyi.core.services.audit import record_change
from zhengyi.precinct.models import Building, NetworkNode, PropertyCompany
from zhengyi.precinct.services import update_building

pytestmark = pytest.mark.django_db


def _changes_of(obj: Any) -> Any:
    ct = ContentType.objects.get_for_model(obj)
    return ObjectChange.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("id")


def test_import_records_a_create_for_every_object(stations: dict[str, Any]) -> None:
    node = NetworkNode.objects.get(station=stations["FT"], code="S1")
    (create,) = _changes_of(node)
    assert create.action == "create" and create.actor_name == "系统"
    assert create.after["code"] == "S1"
    assert create.station_id == stations["FT"].pk


def test_service_update_records_before_and_after(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    tower = Building.objects.get(station=stations["FT"], code="B2")
    with acting_as("job", "job-42"):
        update_building(
            actor=personas["community"], building=tower, changes={"height_m": 120.0}, reason="复测"
        )
    change = _changes_of(tower).last()
    assert change.action == "update"
    assert change.actor == personas["community"] and change.actor_name == "刘社区"
    assert (change.source, change.correlation_id) == ("job", "job-42")
    assert change.before["height_m"] == 60.0 and change.after["height_m"] == 120.0
    assert change.before["height_class"] == "under_100" and change.after["height_class"] == "over_100"
    assert change.message == "复测"


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused() -> None:
    from zhengyi.core.services.org import upsert_bureau
    from zhengyi.core.services.roles import system_user

    actor = system_user()
    bureau = upsert_bureau(actor=actor, code="T", name="测试分局", kind="sub_bureau")
    with pytest.raises(RuntimeError, match="transaction"):
        record_change(actor=actor, obj=bureau, action="update")


def test_page_edit_is_audited_with_request_id(client_for: Any, stations: dict[str, Any]) -> None:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    client = client_for("head")
    form = {
        "name": "测试大厦（更名）",
        "category": "office_tower",
        "height_m": "181",
        "floors_above": "45",
        "floors_below": "4",
        "zone": str(tower.zone_id),
        "property_company": str(tower.property_company_id),
        "address": "福华路1号",
        "reason": "核对产权资料",
    }
    response = client.post(f"/precinct/buildings/{tower.pk}/edit/", form, HTTP_X_REQUEST_ID="req-abc")
    assert response.status_code == 302
    change = _changes_of(tower).last()
    assert (change.source, change.correlation_id, change.actor_name) == ("web", "req-abc", "张所长")
    history = client.get(f"/history/precinct/building/{tower.pk}/").content.decode()
    assert "测试大厦（更名）" in history and "核对产权资料" in history


def test_dispatcher_cannot_edit_and_nothing_changes(client_for: Any, stations: dict[str, Any]) -> None:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    before = ObjectChange.objects.count()
    response = client_for("dispatcher").post(f"/precinct/buildings/{tower.pk}/edit/", {"name": "x"})
    assert response.status_code == 404
    assert ObjectChange.objects.count() == before
    assert Building.objects.get(pk=tower.pk).name == "测试大厦"


def test_cli_import_is_audited_as_cli(
    stations: dict[str, Any], personas: dict[str, Any], tmp_path: Path
) -> None:
    from tests.conftest import small_precinct_document

    document = small_precinct_document()
    document["features"][1]["properties"]["name"] = "测试大厦（CLI）"
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command(
        "precinct",
        "import",
        str(path),
        "--station",
        "FT",
        "--actor",
        "community",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    tower = Building.objects.get(station=stations["FT"], code="B1")
    assert tower.name == "测试大厦（CLI）"
    change = _changes_of(tower).last()
    assert (change.source, change.actor_name, change.action) == ("cli", "刘社区", "update")


def test_personal_data_is_masked_in_the_change_log(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    from zhengyi.precinct.services import update_property_company

    company = PropertyCompany.objects.get(station=stations["FT"], name="测试物业")
    update_property_company(
        actor=personas["head"],
        company=company,
        credit_code="91350100M000100Y43",
        contact_name="欧阳娜娜",
        contact_phone="13812345678",
    )
    change = _changes_of(company).last()
    assert change.after["contact_phone"] == "138****5678"
    assert change.after["contact_name"] == "欧阳**"
    assert "13812345678" not in json.dumps(change.after)


def test_reveal_writes_access_log_and_needs_the_role(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    from zhengyi.precinct.services import update_property_company

    company = PropertyCompany.objects.get(station=stations["FT"], name="测试物业")
    update_property_company(
        actor=personas["head"],
        company=company,
        credit_code="",
        contact_name="张三",
        contact_phone="13812345678",
    )
    page = client_for("head").get(f"/precinct/companies/{company.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    revealed = client_for("head").post(
        f"/precinct/companies/{company.pk}/", {"form": "reveal", "reason": "核实物业联系人"}
    )
    assert "13812345678" in revealed.content.decode()
    log = AccessLog.objects.get()
    assert (log.user_name, log.reason, log.fields) == (
        "张所长",
        "核实物业联系人",
        ["contact_name", "contact_phone"],
    )
    # Without a reason nothing is shown and nothing is logged.
    empty = client_for("head").post(f"/precinct/companies/{company.pk}/", {"form": "reveal", "reason": ""})
    assert "13812345678" not in empty.content.decode()
    assert AccessLog.objects.count() == 1


def test_bad_identifiers_are_refused_and_nothing_saved(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    from django.core.exceptions import ValidationError

    from zhengyi.precinct.services import update_property_company

    company = PropertyCompany.objects.get(station=stations["FT"], name="测试物业")
    changes = ObjectChange.objects.count()
    with pytest.raises(ValidationError) as info:
        update_property_company(
            actor=personas["head"],
            company=company,
            credit_code="91350100M000100Y44",
            contact_name="张三",
            contact_phone="12345",
        )
    assert "校验码" in str(info.value.message_dict["credit_code"])
    assert "contact_phone" in info.value.message_dict
    company.refresh_from_db()
    assert (company.credit_code, company.contact_name) == ("", "")
    assert ObjectChange.objects.count() == changes


def test_model_field_validators_name_the_rule() -> None:
    from django.core.exceptions import ValidationError

    from zhengyi.core.validators import validate_credit_code, validate_mobile

    with pytest.raises(ValidationError) as info:
        validate_credit_code("91350100M000100Y44")
    assert info.value.code == "checksum"
    with pytest.raises(ValidationError) as info:
        validate_mobile("12812345678")
    assert info.value.code == "prefix"


def test_impossible_height_is_refused_on_the_edit_page(client_for: Any, stations: dict[str, Any]) -> None:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    changes = ObjectChange.objects.count()
    form = {
        "name": "测试大厦",
        "category": "office_tower",
        "height_m": "-5",
        "floors_above": "45",
        "floors_below": "4",
        "address": "福华路1号",
    }
    response = client_for("head").post(f"/precinct/buildings/{tower.pk}/edit/", form)
    assert response.status_code == 200
    assert Building.objects.get(pk=tower.pk).height_m == 180.0
    assert ObjectChange.objects.count() == changes


def test_blank_contact_fields_leave_the_contact_unchanged(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    from zhengyi.precinct.services import update_property_company

    company = PropertyCompany.objects.get(station=stations["FT"], name="测试物业")
    update_property_company(
        actor=personas["head"],
        company=company,
        credit_code="",
        contact_name="张三",
        contact_phone="13812345678",
    )
    client = client_for("head")
    client.post(f"/precinct/companies/{company.pk}/", {"form": "edit", "credit_code": "91350100M000100Y43"})
    company.refresh_from_db()
    assert (company.credit_code, company.contact_name, company.contact_phone) == (
        "91350100M000100Y43",
        "张三",
        "13812345678",
    )
    client.post(
        f"/precinct/companies/{company.pk}/",
        {"form": "edit", "credit_code": "91350100M000100Y43", "clear_contact": "on"},
    )
    company.refresh_from_db()
    assert (company.contact_name, company.contact_phone) == ("", "")
