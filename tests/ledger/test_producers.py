"""Handling-standard versions go into the log in the transaction that publishes them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from zhengyi.alerts.services.standards import default_rules, publish_standard
from zhengyi.ledger import entries
from zhengyi.ledger.models import Entry, EntrySalt
from zhengyi.ledger.services import log as ledger
from zhengyi.ledger.services.producers import standard_rules

pytestmark = pytest.mark.django_db


def test_publish_standard_appends_the_version(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    before = Entry.objects.count()
    rules = default_rules()
    standard = publish_standard(
        actor=personas["head"], station=stations["FT"], rules=rules, note="依据张某意见调整"
    )
    (entry,) = ledger.entries_for(standard)
    assert Entry.objects.count() == before + 1 and entry.kind == "handling_standard"
    data = bytes(entry.data)
    doc = entries.decode(data)
    assert doc["station"] == "FT" and doc["version"] == standard.version and doc["rules"] == len(rules)
    assert doc["effective_from"] == entries.timestamp(standard.effective_from)
    assert doc["rules_sha256"] == entries.rules_digest(standard_rules(standard.rules.all()))
    # Who published it and the revision note (free text: it names someone) are commitments.
    assert "张某".encode() not in data and personas["head"].username.encode() not in data
    salt = bytes(EntrySalt.objects.get(entry_id=entry.index).salt)
    assert entries.check_commitment(doc, "published_by", personas["head"].username, salt)
    assert entries.check_commitment(doc, "note", "依据张某意见调整", salt)


def test_a_refused_standard_logs_nothing(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    before = Entry.objects.count()
    with pytest.raises(ValidationError):
        publish_standard(actor=personas["head"], station=stations["FT"], rules=default_rules()[:2])
    assert Entry.objects.count() == before
