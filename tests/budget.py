"""How many generated examples a property test tries: every one in ``make test`` (and CI), a
sample in ``make test-fast`` (which sets ``TEST_FAST=1``), the developer's inner loop. The
same properties run in both; only the number of random cases differs."""

import os

FAST = os.environ.get("TEST_FAST", "") == "1"


def examples(full: int, fast: int = 8) -> int:
    """``full`` examples, or at most ``fast`` in the inner loop."""
    return min(full, fast) if FAST else full
