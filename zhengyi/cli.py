"""The ``zhengyi`` console command: Django's management commands under one name.

``zhengyi precinct summary --json`` is ``manage.py precinct summary --json``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["zhengyi", *argv])
    args[0] = "zhengyi"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
