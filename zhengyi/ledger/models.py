"""倒查跟踪 storage: entries, stored tree hashes, signed checkpoints, keys and witnesses.

Written only through :mod:`zhengyi.ledger.storage` and :mod:`zhengyi.ledger.services`; the
append path uses hand-written SQL on these tables (see ``storage.py`` for why). Everything here
except :class:`EntrySalt` is public: the entries are written to be published (docs/ledger.md,
"Canonical entries"), and what they must not reveal goes in as a salted commitment whose salt
stays in :class:`EntrySalt`.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext_lazy as _

from zhengyi.core.querysets import RestrictedManager


class RowIdField(models.BigIntegerField):
    """A 64-bit integer primary key that is SQLite's rowid itself (``integer primary key``).

    Django declares ``bigint``, which SQLite keeps as a second, separate unique index beside
    the rowid: every append would write two b-trees, and did cost twice a bare insert. On
    PostgreSQL it is a plain ``bigint``.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class LogHead(models.Model):
    """The log's lock row; one row (id 1) per deployment.

    Appends lock it (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock does the same)
    but do not write it: the size is the highest stored index + 1, and the compact range of
    the committed tree is kept per process (``storage.current_tree``), so an append writes
    one row and dirties one page, as a bare insert does.
    """

    id = models.PositiveSmallIntegerField(primary_key=True)
    # Random, made with the row: tells one database's log from another's (the per-process
    # caches and the state file next to the key are keyed by it).
    log_id = models.CharField(max_length=32)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None  # one log for the whole deployment

    class Meta:
        verbose_name = _("日志状态")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"ledger {self.log_id}"


class Entry(models.Model):
    """One log entry: its canonical bytes (the leaf), what it records, and when."""

    index = RowIdField(_("序号"), primary_key=True, db_column="idx")
    data = models.BinaryField(_("规范字节"))
    kind = models.CharField(_("类型"), max_length=64)
    # The logged object, so its page can show "logged as entry N" (not part of the log itself).
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    logged_at = models.DateTimeField(_("记录时间"))

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("日志条目")
        verbose_name_plural = verbose_name
        indexes = [
            # Partial: bulk entries that log no single object (imports) cost no index insert.
            models.Index(
                fields=["object_type", "object_id"],
                condition=~models.Q(object_type=""),
                name="ledger_entry_object",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"


class Tile(models.Model):
    """A full tile (c2sp.org/tlog-tiles, height 8) with every hash inside it.

    ``tree`` holds 511 hashes: the tile's 256 (what ``/ledger/tile/<L>/<N>`` serves), then the
    128 above them, … up to the tile's own root — so any stored subtree is one slice of one row
    and a proof costs one read per tile level. ``root`` repeats the last hash: it is what the
    tile one level up holds, and partial tiles are read as a range of it. Partial tiles are not
    stored; they are read from ``Entry`` (level 0) or the ``root`` of the full tiles below.
    """

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField(db_column="idx")
    # Before ``tree`` on purpose: SQLite stores a row's columns in order, so reading the root
    # (a range of them makes a partial tile above) never walks the 16 KB tree's overflow pages.
    root = models.BinaryField()
    tree = models.BinaryField()

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("树瓦片")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed tree head (c2sp.org/tlog-checkpoint) with the log key's signature(s)."""

    size = models.BigIntegerField(_("条目数"), unique=True)
    root = models.BinaryField()
    # The hashes of the perfect subtrees the signed tree was made of (merkle.root_nodes(size)):
    # they fold to the signed root, so the integrity check can say *which* entries changed.
    compact = models.BinaryField(default=b"")
    # The signed note as the log key(s) signed it; witnesses' cosignatures are Cosignature rows
    # and are appended when the checkpoint is served.
    note = models.TextField()
    signed_at = models.DateTimeField(_("签名时间"))

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = verbose_name
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class LogKey(models.Model):
    """A verifier key of the log, as published at ``/ledger/keys``."""

    class Status(models.TextChoices):
        CURRENT = "current", _("当前")
        RETIRED = "retired", _("已停用")
        # A mirror's trust anchor, set by an operator (`zhengyi ledger import --trust-key`).
        TRUSTED = "trusted", _("信任锚")

    vkey = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    published_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    # The checkpoint signed by both the old key and this one when the log rotated to it.
    transition = models.TextField(blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("日志公钥")
        verbose_name_plural = verbose_name
        ordering = ["published_at", "id"]

    def __str__(self) -> str:
        return self.vkey


class Witness(models.Model):
    """An outside party (a procuratorate, a newspaper) that cosigns checkpoints."""

    name = models.CharField(_("名称"), max_length=100)
    vkey = models.CharField(_("公钥"), max_length=200, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    added_at = models.DateTimeField()

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("见证人")
        verbose_name_plural = verbose_name
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cosignature(models.Model):
    """A witness's c2sp.org/tlog-cosignature line on one checkpoint."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="cosignatures")
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    line = models.TextField()
    timestamp = models.BigIntegerField()  # the Unix time the witness stated
    received_at = models.DateTimeField()

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("见证联署")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_one_cosignature_each")
        ]

    def __str__(self) -> str:
        return f"{self.witness_id} on {self.checkpoint_id}"


class EntrySalt(models.Model):
    """The salt of an entry's commitments — never published; revealing it (with the value)
    proves what an entry committed to."""

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, primary_key=True, db_column="idx")
    salt = models.BinaryField()

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("承诺盐值")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"salt of #{self.entry_id}"
