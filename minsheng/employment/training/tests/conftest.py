"""The training tests use the same hand-made registry as the 公益性岗位 tests."""

from minsheng.employment.publicposts.tests.conftest import households, member  # noqa: F401
