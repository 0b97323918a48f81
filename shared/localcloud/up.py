"""``make up``: the local cloud stays running until Ctrl-C, with its endpoints printed."""

from __future__ import annotations

import signal
import threading

from shared.localcloud.cloud import LocalCloud


def main() -> None:
    cloud = LocalCloud()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        cloud.start()
        assert cloud.emulators is not None and cloud.functions is not None
        print("Local cloud is up. Use these in another shell:")
        for key, value in cloud.emulators.env().items():
            print(f"  export {key}={value}")
        for name, url in cloud.functions.urls.items():
            print(f"  function {name}: {url}")
        print(f"Logs: {cloud.log_dir}\nCtrl-C stops everything.", flush=True)
        if cloud.router is not None:
            cloud.router.on_delivery = lambda d: print(
                f"  {d.function} ← {d.event_type} {d.subject} HTTP {d.status}", flush=True)
        stop.wait()
    finally:
        cloud.stop()
        print("stopped")


if __name__ == "__main__":
    main()
