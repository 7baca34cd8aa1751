"""``make bench-data``: build the benchmark data set (see ``bench/generator.py``).

``SCALE=national`` (the default here) builds five years of Belgian births, ≈550,000 records,
into ``moederschapsdossier_bench``; ``SCALE=small`` 10,000 records into
``moederschapsdossier_bench_small``. The database is created when missing and migrated.
A complete build is kept as it is unless ``FORCE=1``, which truncates and rebuilds."""

import os
import sys

from bench.database import scale_from_environment, use_bench_database


def main() -> None:
    scale = scale_from_environment(sys.argv[1] if len(sys.argv) > 1 else "national")
    use_bench_database(scale, create=True)

    import django

    django.setup()
    from bench.generator import build

    build(scale, force=os.environ.get("FORCE", "").strip() in {"1", "true", "yes"})


if __name__ == "__main__":
    main()
