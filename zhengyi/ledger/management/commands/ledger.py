"""zhengyi ledger — the transparency log from the command line (docs/ledger.md).

    zhengyi ledger status
    zhengyi ledger sign
    zhengyi ledger verify [--url URL | --bundle FILE] [--entry N ...] [--state FILE] [--full]
    zhengyi ledger export --out FILE [--since SIZE]
    zhengyi ledger import FILE [--trust-key VKEY]
    zhengyi ledger key show | rotate
    zhengyi ledger witness add NAME VKEY | list | enable NAME | disable NAME | keygen NAME --out FILE
    zhengyi ledger witness submit FILE [--size N]
    zhengyi ledger cosign --witness-key FILE [--url URL | --bundle FILE] [--out FILE] [--submit]

Every check says plainly what failed and exits 1.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser, _SubParsersAction
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from zhengyi.core.management.base import AuditedCommand
from zhengyi.ledger import bundles, cosignature, integrity, keys, note, storage, verifier
from zhengyi.ledger.models import LogKey, Witness
from zhengyi.ledger.services import log as ledger_log
from zhengyi.ledger.services import witnesses as witness_services
from zhengyi.ledger.services.keys import rotate_key, trusted_log_verifiers

VERIFIER_STATE = "ledger-verifier.json"
WITNESS_STATE = "ledger-witness.json"


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class Command(AuditedCommand):
    help = "倒查跟踪：签名、验证、导出导入与见证 / the ledger: sign, verify, export, import, witnesses"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="日志状态 / size, newest checkpoint, keys, witnesses")
        sub.add_parser("sign", help="立即签名检查点 / sign a checkpoint of the current tree now")
        self._verify_args(sub)
        exp = sub.add_parser("export", help="导出捆绑包 / write a signed, append-only bundle")
        exp.add_argument("--out", type=Path, required=True)
        exp.add_argument("--since", type=int, default=0, help="从该条目数起 / entries from this tree size on")
        imp = sub.add_parser("import", help="导入捆绑包（镜像）/ apply a bundle to this mirror")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--trust-key", action="append", default=[], help="信任的日志公钥 / log vkey to trust"
        )
        super().add_arguments(imp)
        key = sub.add_parser("key", help="日志签名密钥 / the log's signing key")
        key.add_argument("key_action", choices=["show", "rotate"])
        super().add_arguments(key)
        wit = sub.add_parser("witness", help="见证人 / witnesses")
        wit.add_argument("witness_action", choices=["add", "list", "enable", "disable", "keygen", "submit"])
        wit.add_argument(
            "params", nargs="*", help="add: NAME VKEY; enable/disable/keygen: NAME; submit: FILE"
        )
        wit.add_argument("--description", default="")
        wit.add_argument("--out", type=Path, help="keygen: where to write the witness's secret key")
        wit.add_argument("--size", type=int, help="submit: the checkpoint size a bare cosignature line is on")
        super().add_arguments(wit)
        cos = sub.add_parser("cosign", help="作为见证人联署检查点 / cosign a checkpoint as a witness")
        cos.add_argument(
            "--witness-key", type=Path, required=True, help="见证人私钥文件 / witness signer key file"
        )
        self._source_args(cos)
        cos.add_argument("--log-key", action="append", default=[], help="日志公钥 / the log's vkey")
        cos.add_argument("--state", type=Path, help=f"见证人状态文件 (default: data dir/{WITNESS_STATE})")
        cos.add_argument(
            "--out", type=Path, help="联署后的检查点写到此文件 / write the cosigned checkpoint here"
        )
        cos.add_argument(
            "--submit", action="store_true", help="直接提交给日志 / hand it to the log (URL or local)"
        )
        super().add_arguments(cos)

    def _source_args(self, parser: ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--url", help="日志网址 / the log's base URL (https://host)")
        group.add_argument("--bundle", type=Path, help="导出的捆绑包 / an exported bundle")

    def _verify_args(self, sub: _SubParsersAction[ArgumentParser]) -> None:
        ver = sub.add_parser("verify", help="验证日志 / verify the log (local, a URL, or a bundle)")
        self._source_args(ver)
        ver.add_argument(
            "--entry", type=int, action="append", default=[], help="验证该条目的收录 / entry index"
        )
        ver.add_argument("--state", type=Path, help=f"验证者状态文件 (default: data dir/{VERIFIER_STATE})")
        ver.add_argument("--key", action="append", default=[], help="信任的日志公钥 / a log vkey to trust")
        ver.add_argument("--witness", action="append", default=[], help="见证人公钥 / a witness vkey")
        ver.add_argument("--witnesses-required", type=int, default=None, help="k of n 策略的 k")
        ver.add_argument("--full", action="store_true", help="本地：完整重新校验 / local: re-hash everything")

    def handle(self, *args: Any, **options: Any) -> None:
        handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "status": self._status,
            "sign": self._sign,
            "verify": self._verify,
            "export": self._export,
            "import": self._import,
            "key": self._key,
            "witness": self._witness,
            "cosign": self._cosign,
        }
        handlers[options["action"]](options)

    # --- helpers ---------------------------------------------------------------------------

    def _fail(self, lines: list[str], message: str) -> None:
        for line in lines:
            self.stdout.write(line)
        self.stderr.write(f"✗ {message}")
        sys.exit(1)

    # --- status / sign ---------------------------------------------------------------------

    def _status(self, options: dict[str, Any]) -> None:
        head = storage.read_head()
        cp = ledger_log.latest_checkpoint()
        k, n = witness_services.policy()
        self.stdout.write(f"角色 role: {settings.LEDGER_ROLE}  条目 entries: {head.size}")
        self.stdout.write(
            f"检查点 checkpoint: {cp.size if cp else '—'}"
            + (f" ({cp.signed_at:%Y-%m-%d %H:%M:%S})" if cp else "")
        )
        for row in LogKey.objects.order_by("published_at"):
            self.stdout.write(f"公钥 key [{row.status}]: {row.vkey}")
        self.stdout.write(f"见证策略 witness policy: {k} of {n}")
        for w in Witness.objects.all():
            self.stdout.write(f"见证人 witness [{'active' if w.active else 'disabled'}]: {w.vkey}")

    def _sign(self, options: dict[str, Any]) -> None:
        try:
            cp = ledger_log.sign_checkpoint()
        except ledger_log.LogIntegrityError as exc:
            self._fail([], str(exc))
        if cp is None:
            self.stdout.write("检查点已是最新 / the newest checkpoint already covers the tree")
        else:
            self.stdout.write(f"已签名 / signed checkpoint {cp.size}")

    # --- verify ----------------------------------------------------------------------------

    def _state_path(self, options: dict[str, Any], default: str) -> Path:
        return Path(options["state"]) if options.get("state") else keys.ledger_dir() / default

    def _source(self, options: dict[str, Any]) -> verifier.Source:
        if options.get("url"):
            return verifier.HttpSource(options["url"])
        if options.get("bundle"):
            bundle = verifier.read_bundle(options["bundle"], self.progress_bar("读取 reading"))
            self.stderr.write("")
            return verifier.BundleSource(bundle, str(options["bundle"]))
        return integrity.LocalSource()

    def _verify(self, options: dict[str, Any]) -> None:
        lines: list[str] = []
        if not options.get("url") and not options.get("bundle"):
            check = integrity.full_check if options["full"] else integrity.quick_check
            report = check(self.progress_bar("校验 checking") if options["full"] else None)
            if options["full"]:
                self.stderr.write("")
            what = "完整校验 full check" if options["full"] else "启动校验 start-up check"
            lines += [f"· {n}" for n in report.notes]
            if not report.ok:
                self._fail(
                    lines + [f"✗ {p}" for p in report.problems], f"{what}: {len(report.problems)} problem(s)"
                )
            lines.append(
                f"✓ {what}: {report.size} entries, checkpoint {report.checkpoint_size}, re-hashed {report.rehashed}"
            )
            if not options["entry"]:
                self.stdout.write("\n".join(lines))
                return
            options = {**options, "key": [*options["key"], *[v.vkey for v in trusted_log_verifiers()]]}
        path = self._state_path(options, VERIFIER_STATE)
        try:
            source = self._source(options)
            outcome = self._run_verifier(source, path, options)
        except verifier.VerifyError as exc:
            self._fail(lines, str(exc))
        self.stdout.write("\n".join(lines + outcome.lines))

    def _run_verifier(self, source: verifier.Source, path: Path, options: dict[str, Any]) -> verifier.Outcome:
        states = verifier.load_states(path)
        keys_given = list(options.get("key") or options.get("log_key") or [])
        origin = keys_given[0].split("+", 1)[0] if keys_given else None
        if origin is None:
            published = [k["vkey"] for k in source.published_keys()]
            origin = published[-1].split("+", 1)[0] if published else None
        if origin is None and len(states["logs"]) == 1:
            origin = next(iter(states["logs"]))
        state = verifier.LogState.from_json(states["logs"].get(origin or "", {}))
        witnesses = list(options.get("witness") or [])
        required = options.get("witnesses_required")
        if not witnesses and required is None and settings.LEDGER_WITNESSES_REQUIRED:
            # The policy of this installation: ZHENGYI_LEDGER_WITNESSES_REQUIRED of the witnesses
            # configured here (never of those the log under test says it has).
            witnesses = [w.vkey for w in Witness.objects.filter(active=True)]
            required = settings.LEDGER_WITNESSES_REQUIRED
        outcome = verifier.verify(
            source,
            state,
            entries=options.get("entry") or [],
            trust_keys=keys_given,
            witnesses=witnesses,
            witnesses_required=required,
        )
        states["logs"][outcome.checkpoint.origin] = outcome.state.__dict__
        verifier.save_states(path, states)
        return outcome

    # --- export / import -------------------------------------------------------------------

    def _export(self, options: dict[str, Any]) -> None:
        try:
            header = bundles.export_bundle(
                options["out"], since=options["since"], progress=self.progress_bar("导出 export")
            )
        except bundles.BundleError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        self.stdout.write(
            f"已导出 / exported entries {header['since']}…{header['size'] - 1} and "
            f"{len(header['checkpoints'])} checkpoint(s) to {options['out']}"
        )

    def _import(self, options: dict[str, Any]) -> None:
        actor = self.actor(options)
        try:
            result = bundles.import_bundle(
                options["file"],
                actor=actor,
                trust_keys=options["trust_key"],
                progress=self.progress_bar("导入 import"),
            )
        except (bundles.BundleError, note.NoteError) as exc:
            self.stderr.write("")
            self._fail([], f"拒绝导入 / bundle refused, nothing imported: {exc}")
        self.stderr.write("")
        self.stdout.write(
            f"✓ 已导入 / imported {result.appended} entries; the log now holds {result.size} "
            f"({result.checkpoints} new checkpoint(s))"
        )

    # --- keys and witnesses ----------------------------------------------------------------

    def _key(self, options: dict[str, Any]) -> None:
        if options["key_action"] == "show":
            if ledger_log.is_mirror():
                for v in trusted_log_verifiers():
                    self.stdout.write(v.vkey)
                return
            self.stdout.write(ledger_log.current_signer().vkey)
            return
        old, new = rotate_key(actor=self.actor(options))
        self.stdout.write(f"已轮换 / rotated the log key\n  old (retired): {old}\n  new (current): {new}")
        self.stdout.write(
            f"旧私钥已移至 / the old secret key is now {keys.ledger_dir()}/{keys.KEY_FILE}.retired-*: "
            "take it offline or destroy it"
        )

    def _witness(self, options: dict[str, Any]) -> None:
        action, args = options["witness_action"], options["params"]
        need = {"add": 2, "enable": 1, "disable": 1, "keygen": 1, "submit": 1, "list": 0}[action]
        if len(args) != need:
            raise CommandError(f"witness {action} takes {need} argument(s)")
        if action == "list":
            k, n = witness_services.policy()
            self.stdout.write(f"策略 policy: {k} of {n}")
            for w in Witness.objects.all():
                self.stdout.write(f"{'✓' if w.active else '·'} {w.name}  {w.vkey}  {w.description}")
            return
        if action == "keygen":
            if options["out"] is None:
                raise CommandError("witness keygen needs --out FILE for the secret key")
            skey, _vkey = note.generate_key(args[0])
            keys.write_secret(Path(options["out"]), skey + "\n")
            self.stdout.write(cosignature.CosignatureSigner.from_skey(skey).verifier().vkey)
            return
        actor = self.actor(options)
        try:
            if action == "add":
                w = witness_services.add_witness(
                    actor=actor, name=args[0], vkey=args[1], description=options["description"]
                )
                self.stdout.write(f"已添加见证人 / witness added: {w.name}")
            elif action in ("enable", "disable"):
                found = Witness.objects.filter(name=args[0]).first()
                if found is None:
                    raise CommandError(f"没有见证人 / no witness named {args[0]!r}")
                witness_services.set_witness_active(actor=actor, witness=found, active=action == "enable")
                self.stdout.write(f"{action}d: {found.name}")
            else:
                text = Path(args[0]).read_text(encoding="utf-8")
                stored = witness_services.add_cosignatures(text, actor=actor, size=options["size"])
                self.stdout.write(f"✓ 已收到联署 / stored {len(stored)} cosignature(s)")
        except ValidationError as exc:
            self._fail([], _validation_message(exc))

    def _cosign(self, options: dict[str, Any]) -> None:
        """A witness's work: verify the checkpoint against what it saw, then cosign it."""
        try:
            signer = cosignature.CosignatureSigner.from_skey(keys.read_key_file(options["witness_key"]))
        except (keys.KeyFileError, note.NoteError) as exc:
            raise CommandError(f"见证人私钥无效 / bad witness key: {exc}") from exc
        path = self._state_path(options, WITNESS_STATE)
        local = not options.get("url") and not options.get("bundle")
        if local:
            options = {
                **options,
                "log_key": [*options["log_key"], *[v.vkey for v in trusted_log_verifiers()]],
            }
        try:
            # A witness checks the log itself; it does not wait for other witnesses first.
            checks = {**options, "entry": [], "witness": [], "witnesses_required": 0}
            outcome = self._run_verifier(self._source(options), path, checks)
        except verifier.VerifyError as exc:
            self._fail([], f"不联署 / not cosigning: {exc}")
        body = outcome.checkpoint.body()
        line = note.sign(body, signer)[len(body) + 1 :]
        cosigned = outcome.note_text + line
        self.stdout.write("\n".join(outcome.lines))
        if options.get("out"):
            Path(options["out"]).write_text(cosigned, encoding="utf-8")
            self.stdout.write(f"✓ 已联署 / cosigned checkpoint {outcome.checkpoint.size} → {options['out']}")
        if options.get("submit"):
            self._submit(cosigned, options, local)
        elif not options.get("out"):
            self.stdout.write(cosigned, ending="")

    def _submit(self, cosigned: str, options: dict[str, Any], local: bool) -> None:
        if local:
            try:
                witness_services.add_cosignatures(cosigned, actor=self.actor(options))
            except ValidationError as exc:
                self._fail([], _validation_message(exc))
            self.stdout.write("✓ 已提交 / cosignature stored")
            return
        if not options.get("url"):
            raise CommandError("--submit needs --url (or run it on the log's own host, without a source)")
        import urllib.request

        url = verifier.HttpSource(options["url"]).base + "/cosign"
        request = urllib.request.Request(url, data=cosigned.encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self.stdout.write(response.read().decode("utf-8", errors="replace").strip())
        except OSError as exc:
            self._fail([], f"提交失败 / POST {url} failed: {exc}")
