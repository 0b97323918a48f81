"""``make up``: the local cloud stays running until Ctrl-C, with its endpoints printed.

Besides emulators, functions and router it runs the local Cloud Scheduler (every 600 s,
as ``*/10 * * * *``), prints each dead letter as it lands and a summary at the end, and
writes the function URLs to ``.localcloud/endpoints.json`` so that
``python -m shared.localcloud.redrive`` can post dead letters again while it runs.
``LOCALCLOUD_CHAOS=1 make up`` delivers every event 1–3 times, shuffled and delayed.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from pathlib import Path

from shared.localcloud.cloud import LocalCloud
from shared.localcloud.dead_letters import DeadLetter, load_dead_letters
from shared.localcloud.redrive import DEFAULT_ENDPOINTS, write_endpoints
from shared.localcloud.router import Delivery, EventRouter

SCHEDULE_INTERVAL = 600.0  # Cloud Scheduler: */10 * * * *
REDRIVE_HINT = ".venv/bin/python -m shared.localcloud.redrive"


def _print_delivery(delivery: Delivery) -> None:
    print(f"  {delivery.function} ← {delivery.event_type} {delivery.subject} "
          f"HTTP {delivery.status}", flush=True)


def _print_dead_letter(letter: DeadLetter) -> None:
    print(f"  DEAD LETTER {letter.describe()}; re-drive with `{REDRIVE_HINT}`", flush=True)


def _summary(router: EventRouter | None, dead_letter_dir: Path | None) -> None:
    if router is None:
        return
    failed = [d for d in router.deliveries if not d.ok]
    print(f"{len(router.deliveries)} deliveries, {len(failed)} failed, "
          f"{len(router.dead_letters)} dead letter(s) this session")
    for letter in router.dead_letters:
        print(f"  - {letter.filename}: {letter.describe()}")
    waiting = load_dead_letters(dead_letter_dir) if dead_letter_dir is not None else []
    if waiting:
        print(f"{len(waiting)} dead letter(s) waiting in {dead_letter_dir}: re-drive them with "
              f"`{REDRIVE_HINT}` while `make up` runs")


def main(endpoints_path: Path = DEFAULT_ENDPOINTS) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cloud = LocalCloud(schedule_interval=SCHEDULE_INTERVAL)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    router: EventRouter | None = None
    try:
        cloud.start_emulators()
        functions = cloud.start_functions()
        write_endpoints(endpoints_path, functions.urls)
        router = cloud.start_router(on_delivery=_print_delivery,
                                    on_dead_letter=_print_dead_letter)
        assert cloud.emulators is not None
        print("Local cloud is up. Use these in another shell:")
        for key, value in cloud.emulators.env().items():
            print(f"  export {key}={value}")
        for name, url in functions.urls.items():
            print(f"  function {name}: {url}")
        print(f"Function URLs: {endpoints_path}")
        if router.chaos:
            print(f"Chaos mode (seed {router.seed}): each event delivered 1–3 times, "
                  "shuffled, delayed up to 2 s")
        if cloud.dead_letter_dir is not None:
            waiting = load_dead_letters(cloud.dead_letter_dir)
            print(f"Dead letters: {cloud.dead_letter_dir} ({len(waiting)} waiting; "
                  f"`{REDRIVE_HINT} --list`)")
        print(f"Scheduled functions run every {SCHEDULE_INTERVAL:.0f} s")
        print(f"Logs: {cloud.log_dir}\nCtrl-C stops everything.", flush=True)
        stop.wait()
    finally:
        cloud.stop_router()  # first, so deliveries cut short by stopping are counted
        _summary(router, cloud.dead_letter_dir)
        with contextlib.suppress(OSError):
            endpoints_path.unlink()  # the URLs die with the functions
        cloud.stop()
        print("stopped")


if __name__ == "__main__":
    main()
