#!/usr/bin/env python
"""Same as the ``zhengyi`` console command, for those who expect manage.py."""

from zhengyi.cli import main

if __name__ == "__main__":
    main()
