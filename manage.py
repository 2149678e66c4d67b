#!/usr/bin/env python
"""Django's command-line utility; ``minsheng`` (minsheng/cli.py) is the same entry point."""

import sys

from minsheng.cli import main

if __name__ == "__main__":
    sys.exit(main())
