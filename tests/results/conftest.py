"""The results tests share the demo survey and its signed-in manager (defined in test_views)."""

from tests.results.test_views import demo, manager  # noqa: F401
