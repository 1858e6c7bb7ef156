"""Which side of the air gap this deployment is (DESIGN §3).

The police side computes the portal's summaries and lookups from live alerts and cases; the
internet-side deployment (a ledger mirror, ``ZHENGYI_LEDGER_ROLE=mirror``, usually also
``ZHENGYI_PUBLIC_ONLY=1``) has neither and reads what portal bundles brought it.
"""

from __future__ import annotations

from zhengyi.ledger.services.log import is_mirror


def is_public_mirror() -> bool:
    """True on the internet-side deployment fed by portal bundles: the ledger's mirror role."""
    return is_mirror()
