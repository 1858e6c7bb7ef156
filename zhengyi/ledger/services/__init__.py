"""The ledger's services: appending (in the caller's transaction), checkpoints, keys, witnesses.

Other apps use :func:`append` (or a producer such as :func:`log_handling_standard`) inside
their own service's ``transaction.atomic()``.
"""

from zhengyi.ledger.services.log import (
    EntryInput,
    append,
    append_many,
    entries_for,
    latest_checkpoint,
    served_note,
    sign_checkpoint,
)
from zhengyi.ledger.services.producers import log_handling_standard

__all__ = [
    "EntryInput",
    "append",
    "append_many",
    "entries_for",
    "latest_checkpoint",
    "log_handling_standard",
    "served_note",
    "sign_checkpoint",
]
