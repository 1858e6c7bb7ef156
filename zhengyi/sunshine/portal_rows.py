"""The public rows of a portal bundle, and the checks the internet side runs on them (pure).

A portal bundle (``services/portal_export.py``) carries, beside the ledger bundle, a JSON
document of everything the public pages show. The internet side trusts none of it on its own:

* its shape is exact — every row has exactly the keys below, so a row that would carry more
  (a party, a contact, an internal draft) is refused rather than stored;
* every publication version, timeline step, withdrawal and answered message must match its
  ledger entry (kind, station, number, version, SHA-256 of the exact text), in the log the
  bundle has just extended and the mirror verified;
* nothing the mirror already shows may disappear or change (append-only);
* every alert table must be suppressed as the police side's own rule would leave it.

Messages name the item and say why, in Chinese then English, like the rest of the platform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from zhengyi.ledger.entries import text_digest
from zhengyi.sunshine import suppression

FORMAT = "zhengyi-portal-bundle"
VERSION = 1

Doc = Mapping[str, Any]
EntryAt = Callable[[int], Mapping[str, Any] | None]

# key → accepted type(s); None allowed where the tuple includes type(None)
_S, _I, _L, _D, _N = (str,), (int,), (list,), (dict,), (type(None),)
TOP = {
    "threshold": _I,
    "stations": _L,
    "publications": _L,
    "feedback": _L,
    "received_refs": _L,
    "summaries": _L,
    "lookups": _L,
}
STATION = {"code": _S, "name": _S, "name_en": _S, "bureau": _D}
BUREAU = {"code": _S, "name": _S, "name_en": _S, "kind": _S}
PUBLICATION = {
    "station": _S,
    "number": _S,
    "kind": _S,
    "first_published_at": _S,
    "current": _I,
    "versions": _L,
    "withdrawal": _D + _N,
    "progress": _L,
}
VERSION_ROW = {
    "version": _I,
    "title": _S,
    "text": _S,
    "correction_note": _S,
    "published_at": _S,
    "text_sha256": _S,
    "ledger_index": _I,
}
WITHDRAWAL = {"reason": _S, "withdrawn_at": _S, "ledger_index": _I}
PROGRESS = {"seq": _I, "on": _S, "text": _S, "ledger_index": _I}
FEEDBACK = {
    "station": _S,
    "number": _S,
    "submitted_at": _S,
    "moderated_at": _S,
    "subject": _S,
    "message": _S,
    "reply": _S,
    "replied_by_name": _S,
    "ledger_index": _I,
}
SUMMARY = {"station": _S, "year": _I, "month": _I, "threshold": _I, "rows": _L, "columns": _L, "grid": _L}
LOOKUP = {"number": _S, "lookup_hash": _S, "kind": _S, "stage": _S, "handling_unit": _S, "steps": _L}


def iso(moment: datetime) -> str:
    """A time as both sides write it (UTC, ISO 8601), so held and incoming rows compare equal."""
    return moment.astimezone(UTC).isoformat()


class RowError(ValueError):
    """The public rows are refused; ``problems`` lists each item and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(shown + more)


def _shape(row: Any, spec: Mapping[str, tuple[type, ...]], where: str) -> list[str]:
    if not isinstance(row, dict):
        return [f"{where}: 不是对象 / not an object"]
    problems = []
    extra, missing = set(row) - set(spec), set(spec) - set(row)
    if extra:
        problems.append(
            f"{where}: 含有不应公开的字段 / carries fields the portal never shows: {sorted(extra)}"
        )
    if missing:
        problems.append(f"{where}: 缺少字段 / lacks {sorted(missing)}")
    for key, types in spec.items():
        value = row.get(key)
        # bool is an int to isinstance; a JSON true is never a count or an index.
        if key in row and (not isinstance(value, types) or isinstance(value, bool)):
            problems.append(f"{where}: {key} has the wrong type")
    return problems


def check_shape(doc: Any) -> list[str]:
    """Exact keys and types everywhere; dates parse."""
    problems = _shape(doc, TOP, "portal.json")
    if problems:
        return problems
    for st in doc["stations"]:
        problems += _shape(st, STATION, f"station {st.get('code') if isinstance(st, dict) else st!r}")
        if isinstance(st, dict) and isinstance(st.get("bureau"), dict):
            problems += _shape(st["bureau"], BUREAU, f"station {st.get('code')} bureau")
    for pub in doc["publications"]:
        name = pub_name(pub) if isinstance(pub, dict) else repr(pub)
        found = _shape(pub, PUBLICATION, name)
        problems += found
        if found:
            continue
        problems += _dates(pub, ("first_published_at",), name)
        for v in pub["versions"]:
            where = f"{name} v{v.get('version') if isinstance(v, dict) else '?'}"
            problems += _shape(v, VERSION_ROW, where) or _dates(v, ("published_at",), where)
        if pub["withdrawal"] is not None:
            where = f"{name} withdrawal"
            problems += _shape(pub["withdrawal"], WITHDRAWAL, where) or _dates(
                pub["withdrawal"], ("withdrawn_at",), where
            )
        for step in pub["progress"]:
            where = f"{name} step {step.get('seq') if isinstance(step, dict) else '?'}"
            problems += _shape(step, PROGRESS, where) or _days(step, ("on",), where)
    for fb in doc["feedback"]:
        where = f"留言 message {fb.get('station') if isinstance(fb, dict) else '?'}/{fb.get('number') if isinstance(fb, dict) else '?'}"
        problems += _shape(fb, FEEDBACK, where) or _dates(fb, ("submitted_at", "moderated_at"), where)
    for s in doc["summaries"]:
        problems += _shape(s, SUMMARY, f"summary {s.get('station') if isinstance(s, dict) else '?'}")
    for row in doc["lookups"]:
        problems += _shape(row, LOOKUP, f"lookup {row.get('number') if isinstance(row, dict) else '?'}")
    if not all(isinstance(r, str) for r in doc["received_refs"]):
        problems.append("received_refs: not a list of strings")
    return problems


def _dates(row: Mapping[str, Any], keys: Iterable[str], where: str) -> list[str]:
    out = []
    for key in keys:
        try:
            moment = datetime.fromisoformat(row[key])
        except ValueError:
            out.append(f"{where}: {key} is not an ISO date and time")
            continue
        if moment.tzinfo is None:
            out.append(f"{where}: {key} has no time zone")
    return out


def _days(row: Mapping[str, Any], keys: Iterable[str], where: str) -> list[str]:
    out = []
    for key in keys:
        try:
            date.fromisoformat(row[key])
        except ValueError:
            out.append(f"{where}: {key} is not an ISO date")
    return out


def pub_name(pub: Mapping[str, Any]) -> str:
    return f"公开信息 publication {pub.get('station')}/{pub.get('number')}"


def fb_name(fb: Mapping[str, Any]) -> str:
    return f"留言 message {fb.get('station')}/{fb.get('number')}"


# ----------------------------------------------------------------------------- against the log


def _entry(
    entry_at: EntryAt, index: int, kind: str, where: str
) -> tuple[Mapping[str, Any] | None, list[str]]:
    doc = entry_at(index)
    if doc is None:
        return None, [f"{where}: 日志中没有条目 {index} / ledger entry {index} is not in the log"]
    if doc.get("kind") != kind:
        return None, [
            f"{where}: 日志条目 {index} 的类型是 {doc.get('kind')!r} 而非 {kind} / "
            f"ledger entry {index} is a {doc.get('kind')!r} entry, not {kind}"
        ]
    return doc, []


def _differ(doc: Mapping[str, Any], expected: Mapping[str, Any], index: int, where: str) -> list[str]:
    wrong = sorted(k for k, v in expected.items() if doc.get(k) != v)
    if not wrong:
        return []
    return [f"{where}: 与日志条目 {index} 不符 / does not match ledger entry {index} ({', '.join(wrong)})"]


def check_against_log(doc: Doc, entry_at: EntryAt) -> list[str]:
    """Every ledger-backed row against its entry (``entry_at`` returns the decoded entry)."""
    problems: list[str] = []
    for pub in doc["publications"]:
        name = pub_name(pub)
        base = {"station": pub["station"], "number": pub["number"]}
        numbers = [v["version"] for v in pub["versions"]]
        if not numbers:
            problems.append(f"{name}: 没有已发布的版本 / has no published version")
            continue
        if len(set(numbers)) != len(numbers) or pub["current"] != max(numbers):
            problems.append(
                f"{name}: 版本编号有误 / its versions repeat or the current one is not the newest"
            )
        for v in pub["versions"]:
            where = f"{name} v{v['version']}"
            if v["text_sha256"] != text_digest(v["text"]):
                problems.append(f"{where}: 正文摘要与正文不符 / text_sha256 is not the text's digest")
            entry, found = _entry(entry_at, v["ledger_index"], "publication", where)
            problems += found
            if entry is None:
                continue
            expected = {
                **base,
                "category": pub["kind"],
                "version": v["version"],
                "title_sha256": text_digest(v["title"]),
                "text_sha256": text_digest(v["text"]),
            }
            problems += _differ(entry, expected, v["ledger_index"], where)
            if "step" in entry:
                problems.append(f"{where}: 日志条目 {v['ledger_index']} 是进展 / entry is a timeline step")
            if "corrects" in entry and entry["corrects"] not in numbers:
                problems.append(
                    f"{where}: 更正的版本 {entry['corrects']} 不在包中 / corrects a missing version"
                )
        for step in pub["progress"]:
            where = f"{name} step {step['seq']}"
            entry, found = _entry(entry_at, step["ledger_index"], "publication", where)
            problems += found
            if entry is None:
                continue
            expected = {
                **base,
                "category": pub["kind"],
                "text_sha256": text_digest(step["text"]),
                "step": step["seq"],
                "step_on": step["on"],
            }
            problems += _differ(entry, expected, step["ledger_index"], where)
            if entry.get("version") not in numbers:
                problems.append(f"{where}: 对应的版本不在包中 / its version is not in the bundle")
        w = pub["withdrawal"]
        if w is not None:
            where = f"{name} 撤回 withdrawal"
            entry, found = _entry(entry_at, w["ledger_index"], "publication_withdrawal", where)
            problems += found
            if entry is not None:
                expected = {**base, "version": pub["current"], "reason_sha256": text_digest(w["reason"])}
                problems += _differ(entry, expected, w["ledger_index"], where)
    for fb in doc["feedback"]:
        where = fb_name(fb)
        entry, found = _entry(entry_at, fb["ledger_index"], "feedback_reply", where)
        problems += found
        if entry is not None:
            expected = {
                "station": fb["station"],
                "number": fb["number"],
                "message_sha256": text_digest(fb["subject"] + "\n" + fb["message"]),
                "reply_sha256": text_digest(fb["reply"]),
            }
            problems += _differ(entry, expected, fb["ledger_index"], where)
    return problems


# ----------------------------------------------------------------------------- append-only


def check_append_only(held: Doc, incoming: Doc) -> list[str]:
    """What the mirror shows (``held``: publications and feedback in the bundle's shape) must all
    be in ``incoming``, unchanged; new versions, steps, withdrawals and messages may be added."""
    problems: list[str] = []
    new_pubs = {(p["station"], p["number"]): p for p in incoming["publications"]}
    for old in held["publications"]:
        name = pub_name(old)
        new = new_pubs.get((old["station"], old["number"]))
        if new is None:
            problems.append(f"{name}: 包中缺少已公开的信息 / the bundle drops it")
            continue
        if new["kind"] != old["kind"] or new["first_published_at"] != old["first_published_at"]:
            problems.append(f"{name}: 类型或首次发布时间被改动 / its kind or first publication time changed")
        versions = {v["version"]: v for v in new["versions"]}
        for v in old["versions"]:
            got = versions.get(v["version"])
            if got is None:
                problems.append(
                    f"{name} v{v['version']}: 包中缺少已公开的版本 / the bundle drops this version"
                )
            elif got != v:
                changed = sorted(k for k in v if got.get(k) != v[k])
                problems.append(
                    f"{name} v{v['version']}: 已公开的内容被改动 / a published version changed ({', '.join(changed)})"
                )
        if new["current"] < old["current"]:
            problems.append(f"{name}: 现行版本倒退 / the current version went back to v{new['current']}")
        steps = {s["seq"]: s for s in new["progress"]}
        for s in old["progress"]:
            if steps.get(s["seq"]) != s:
                problems.append(
                    f"{name} step {s['seq']}: 进展被删除或改动 / a timeline step was dropped or changed"
                )
        if old["withdrawal"] is not None:
            if new["withdrawal"] is None:
                problems.append(f"{name}: 已撤回的信息不能恢复 / the bundle un-withdraws it")
            elif new["withdrawal"] != old["withdrawal"]:
                problems.append(f"{name}: 撤回记录被改动 / its withdrawal changed")
    new_fb = {(f["station"], f["number"]): f for f in incoming["feedback"]}
    for old in held["feedback"]:
        got = new_fb.get((old["station"], old["number"]))
        if got is None:
            problems.append(f"{fb_name(old)}: 包中缺少已公开的留言 / the bundle drops it")
        elif got != old:
            problems.append(
                f"{fb_name(old)}: 已公开的留言或答复被改动 / the published message or reply changed"
            )
    return problems


# ----------------------------------------------------------------------------- summaries, lookups


def check_summaries(doc: Doc, min_threshold: int) -> list[str]:
    """Each table as shown: the threshold at least this deployment's, and nothing a reader could
    use to tell a count below it (``suppression.audit_shown``)."""
    problems = []
    if doc["threshold"] < min_threshold:
        problems.append(
            f"小数抑制阈值 {doc['threshold']} 低于本部署的 {min_threshold} / "
            f"the bundle's small-count threshold is below this deployment's"
        )
    for s in doc["summaries"]:
        where = f"统计 summary {s['station']} {s['year']}-{s['month']:02d}"
        if not 1 <= s["month"] <= 12:
            problems.append(f"{where}: no such month")
        if s["threshold"] != doc["threshold"]:
            problems.append(f"{where}: 阈值与包不一致 / its threshold is not the bundle's")
        names = [*s["rows"], *s["columns"]]
        if not all(isinstance(n, str) for n in names):
            problems.append(f"{where}: zone and category names must be text")
            continue
        grid = s["grid"]
        if len(grid) != len(s["rows"]) + 1 or any(
            not isinstance(line, list) or len(line) != len(s["columns"]) + 1 for line in grid
        ):
            problems.append(f"{where}: the table's size does not match its zones and categories")
            continue
        problems += [
            f"{where}: 含可识别的小数 / {p}" for p in suppression.audit_shown(grid, max(1, s["threshold"]))
        ]
    return problems


def check_lookups(
    doc: Doc, *, kinds: Iterable[str], stages: Iterable[str], hash_ok: Callable[[str], bool]
) -> list[str]:
    problems = []
    kinds, stages = set(kinds), set(stages)
    seen: set[str] = set()
    for row in doc["lookups"]:
        where = f"查询 lookup {row['number']}"
        if not row["number"] or row["number"] in seen:
            problems.append(f"{where}: empty or repeated case number")
        seen.add(row["number"])
        if row["kind"] not in kinds or row["stage"] not in stages:
            problems.append(f"{where}: unknown kind or stage")
        if not hash_ok(row["lookup_hash"]):
            problems.append(
                f"{where}: the code's digest is not a salted SHA-256 as the police side stores it"
            )
        for step in row["steps"]:
            if (
                not isinstance(step, list)
                or len(step) != 2
                or step[0] not in stages
                or not isinstance(step[1], str)
                or _days({"on": step[1]}, ("on",), where)
            ):
                problems.append(f"{where}: a stage step is not [stage, YYYY-MM-DD]")
                break
    return problems
