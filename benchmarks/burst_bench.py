"""Burst benchmark: 2,000 document writes at once through the real event path.

    .venv/bin/python -m benchmarks.burst_bench [--writes 2000] [--docs 600] [--chaos]

Starts the whole local cloud (emulators, every function in its own process, the router),
writes a random history (creates, re-creates, moves, status changes, deletes) to
``documents/`` as fast as 8 threads can, and prints:
- time from the first write to quiescence (no event in flight or scheduled);
- deliveries and dead letters;
- the busiest documents: the most writes any single document took within one second
  (every function process records its commits through ``benchmarks/write_audit``), by
  collection, since Firestore sustains about one write per second per document;
- whether groups, group keys and the search index equal a recomputation.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from google.cloud import firestore

from shared.derived.consistency import check_consistency
from shared.localcloud.cloud import LocalCloud
from shared.localcloud.histories import apply_operation, random_operation

AUDIT_PATH = Path(__file__).resolve().parent / "write_audit"


def busiest(audit_dir: Path, since: float) -> dict[str, tuple[int, str]]:
    """Per collection: the largest number of writes one document took in any 1 s."""
    times: dict[str, list[float]] = defaultdict(list)
    for path in audit_dir.glob("writes-*.tsv"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stamp, name = line.split("\t", 1)
            if float(stamp) >= since:
                times[name].append(float(stamp))
    worst: dict[str, tuple[int, str]] = {}
    for name, stamps in times.items():
        stamps.sort()
        peak, lo = 0, 0
        for hi, t in enumerate(stamps):
            while t - stamps[lo] >= 1.0:
                lo += 1
            peak = max(peak, hi - lo + 1)
        parts = name.split("/")
        collection = "/".join(parts[0::2][:1] + (["…/" + parts[-2]] if len(parts) > 2 else []))
        if peak > worst.get(collection, (0, ""))[0]:
            worst[collection] = (peak, name)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--chaos", action="store_true", help="deliver like LOCALCLOUD_CHAOS=1")
    args = parser.parse_args()
    audit_dir = Path(tempfile.mkdtemp(prefix="write-audit-"))
    cloud = LocalCloud(chaos=args.chaos)
    try:
        cloud.start_emulators()
        os.environ.update(cloud.emulators.env() if cloud.emulators else {})
        cloud.start_functions({"WRITE_AUDIT_DIR": str(audit_dir),
                               "PYTHONPATH": str(AUDIT_PATH)})
        router = cloud.start_router()
        db = firestore.Client(project=cloud.project)
        rng = random.Random(7)
        ops = [random_operation(rng) for _ in range(args.writes)]
        began = time.time()
        with ThreadPoolExecutor(8) as pool:
            applied = sum(pool.map(lambda op: apply_operation(db, op), ops))
        written = time.time() - began
        quiet = router.wait_idle(timeout=1800, settle=3.0)
        elapsed = time.time() - began - 3.0
        print(f"\n== burst of {args.writes:,} document writes ({applied:,} took effect) "
              f"{'with chaos ' if args.chaos else ''}==")
        print(f"writes issued in {written:.1f} s ({applied / written:.0f}/s); "
              f"quiescent after {elapsed:.1f} s{'' if quiet else ' (NOT quiet: gave up)'}")
        print(f"deliveries {len(router.deliveries):,}; dead letters {len(router.dead_letters)}")
        print("\nmost writes to one document within one second, by collection:")
        for collection, (peak, name) in sorted(busiest(audit_dir, began).items(),
                                               key=lambda kv: -kv[1][0]):
            print(f"  {collection:34} {peak:4}  ({name})")
        report = check_consistency(db)
        print(f"\nconsistency: {report.summary()}")
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
