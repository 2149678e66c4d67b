"""Loaded by pytest (``-p minsheng.pytest_plugin`` in pyproject) before Django's settings:
marks the process as a test run, which selects MINSHENG_TEST_DATABASE_URL when it is set."""

import os

os.environ["MINSHENG_TESTING"] = "1"
