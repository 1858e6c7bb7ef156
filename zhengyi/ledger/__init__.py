"""倒查跟踪 — the ledger: an append-only Merkle-tree transparency log of what the station publishes.

This package starts as a pure-Python core with no Django imports (see ``docs/ledger.md``):

* :mod:`zhengyi.ledger.merkle` — RFC 6962 / RFC 9162 tree hashing, proofs and their verification;
* :mod:`zhengyi.ledger.note` — C2SP signed notes, byte-compatible with Go's ``sumdb/note``;
* :mod:`zhengyi.ledger.checkpoint` — C2SP tlog-checkpoint bodies;
* :mod:`zhengyi.ledger.cosignature` — C2SP tlog-cosignature (witnesses) and a k-of-n policy;
* :mod:`zhengyi.ledger.tiles` — C2SP tlog-tiles paths, tile data and entry bundles.
"""
