"""The earlier path of `nbresponses.pricing.usage_stats` (a turn's usage bar, usage totals), kept for code using it."""

from __future__ import annotations

from .pricing.usage_stats import *  # noqa: F403
from .pricing.usage_stats import __all__  # noqa: F401
