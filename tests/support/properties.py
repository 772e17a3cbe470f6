"""Hypothesis for the property tests: one seed per session, printed, and a bounded number of examples.

``MTLS_PROPERTY_SEED=<n>`` reruns exactly the cases of an earlier run (printed at the end of
every pytest run); ``MTLS_PROPERTY_EXAMPLES=<factor>`` multiplies the example counts (default 1) for a longer hunt.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed

#: Chosen by tests/conftest.py for the whole run (every xdist worker the same) unless given.
SEED = int(os.environ.get("MTLS_PROPERTY_SEED") or random.SystemRandom().randrange(2**32))
FACTOR = float(os.environ.get("MTLS_PROPERTY_EXAMPLES") or 1)
#: MTLS_PROPERTY_SHRINK=0: report the first failing example as found (faster; shrinking can take minutes)
FAST = os.environ.get("MTLS_PROPERTY_SHRINK") == "0"


def examples(count: int) -> Callable[[Any], Any]:
    """Seeded, bounded Hypothesis settings for one property test (no example database: the seed is the record)."""

    def apply(test: Any) -> Any:
        bounded = settings(
            max_examples=max(1, int(count * FACTOR)),
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            print_blob=True,
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target) if FAST else tuple(Phase),
        )(test)
        return hypothesis_seed(SEED)(bounded)

    return apply
