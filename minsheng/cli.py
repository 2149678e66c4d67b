"""The ``minsheng`` console script: Django's manage.py with the project's own verbs.

``minsheng migrate``, ``minsheng runserver`` and every Django command work as with manage.py;
the project adds ``minsheng demo``, ``minsheng regions load``, ``minsheng token create``,
``minsheng account create`` and later verbs as management commands.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minsheng", *(sys.argv[1:] if argv is None else argv)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
