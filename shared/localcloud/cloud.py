"""One object that starts and stops the whole local cloud, for tests, ``make demo`` and
``make up``: emulators, every routed function under functions-framework, the router.

Function processes are supervised: one that dies (a crash, an OOM kill, ``kill -9``) is
restarted on the same port with the same command, as Cloud Run replaces a crashed
instance, and the router's retries carry the interrupted deliveries over to it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.localcloud.dead_letters import DEFAULT_DEAD_LETTER_DIR, DeadLetter
from shared.localcloud.emulators import REPO_ROOT, Emulators
from shared.localcloud.ports import free_port, wait_for_port
from shared.localcloud.processes import ManagedProcess, ProcessGroup, Supervisor
from shared.localcloud.router import Delivery, EventRouter, chaos_from_env
from shared.routing import ROUTES, Route

# Requests one function process serves at once (functions-framework's gunicorn threads;
# its default is 4 per core). group_recompute waits out its window inside the request,
# as a Cloud Run instance would with concurrency > 1, so 8 would queue a burst's marks.
FUNCTION_THREADS = "32"
DEFAULT_PROJECT = "demo-care-docs"
DEFAULT_BUCKET = "demo-care-docs-files"


class FunctionStartError(RuntimeError):
    """A function process did not come up; the message carries its log."""


@dataclass
class FunctionProcesses:
    """Each routed function in its own functions-framework process on its own port."""

    log_dir: Path
    env: dict[str, str]
    routes: tuple[Route, ...] = ROUTES
    source_root: Path = REPO_ROOT / "functions"
    urls: dict[str, str] = field(default_factory=dict)
    supervise: bool = True  # restart a function process that dies
    _group: ProcessGroup | None = None
    _processes: dict[str, ManagedProcess] = field(default_factory=dict)
    _supervisor: Supervisor | None = None

    def start(self) -> None:
        self._group = ProcessGroup(self.log_dir)
        # The repo is importable; an extra PYTHONPATH given in ``env`` (a benchmark's
        # instrumentation) comes first.
        extra_path = self.env.get("PYTHONPATH")
        env = {"THREADS": FUNCTION_THREADS, **os.environ, **self.env,
               "PYTHONPATH": os.pathsep.join(p for p in (extra_path, str(REPO_ROOT)) if p)}
        started: dict[str, tuple[int, ManagedProcess]] = {}
        for route in self.routes:
            if route.function in started:
                continue
            port = free_port()
            proc = self._group.start(
                f"fn-{route.function}",
                [sys.executable, "-m", "functions_framework",
                 "--target", route.entry_point,
                 "--source", str(self.source_root / route.function / "main.py"),
                 "--signature-type", route.signature,
                 "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=REPO_ROOT,
            )
            started[route.function] = (port, proc)
            self._processes[route.function] = proc
            self.urls[route.function] = f"http://127.0.0.1:{port}"
        for name, (port, proc) in started.items():
            try:
                wait_for_port(port, timeout=60, alive=proc.alive)
            except TimeoutError as exc:
                tail = proc.log_tail()
                self.stop()
                raise FunctionStartError(f"function {name} did not start:\n{tail}") from exc
        if self.supervise:  # only once all are up: a function that cannot start fails fast
            self._supervisor = Supervisor(list(self._processes.values()))
            self._supervisor.start()

    def process(self, name: str) -> ManagedProcess:
        """The process serving function ``name`` (its ``popen`` changes on a restart)."""
        try:
            return self._processes[name]
        except KeyError:
            raise KeyError(f"no process for function {name!r}") from None

    def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None
        self._processes.clear()
        if self._group is not None:
            self._group.stop_all()
            self._group = None


@dataclass
class LocalCloud:
    """Emulators + functions + router, started together and stopped together."""

    project: str = DEFAULT_PROJECT
    bucket: str = DEFAULT_BUCKET
    log_dir: Path = REPO_ROOT / ".localcloud" / "logs"
    emulators: Emulators | None = None
    functions: FunctionProcesses | None = None
    router: EventRouter | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # Router options (see EventRouter): None chaos = from LOCALCLOUD_CHAOS.
    dead_letter_dir: Path | None = DEFAULT_DEAD_LETTER_DIR
    schedule_interval: float | None = None
    chaos: bool | None = None

    def start_emulators(self) -> Emulators:
        began = time.monotonic()
        self.emulators = Emulators(self.project, self.bucket, self.log_dir)
        self.emulators.start()
        os.environ.update(self.emulators.env())
        self.timings["emulators"] = time.monotonic() - began
        return self.emulators

    def start_functions(self, extra_env: dict[str, str] | None = None) -> FunctionProcesses:
        assert self.emulators is not None, "start the emulators first"
        began = time.monotonic()
        env = {**self.emulators.env(), **(extra_env or {})}
        self.functions = FunctionProcesses(self.log_dir, env)
        self.functions.start()
        self.timings["functions"] = time.monotonic() - began
        return self.functions

    def start_router(
        self,
        on_delivery: Callable[[Delivery], None] | None = None,
        on_dead_letter: Callable[[DeadLetter], None] | None = None,
    ) -> EventRouter:
        """Callbacks are given here so that none of the first events is missed."""
        assert self.functions is not None, "start the functions first"
        router = EventRouter(self.project, self.bucket, self.functions.urls,
                             chaos=chaos_from_env() if self.chaos is None else self.chaos,
                             dead_letter_dir=self.dead_letter_dir,
                             schedule_interval=self.schedule_interval,
                             on_delivery=on_delivery, on_dead_letter=on_dead_letter)
        self.router = router
        router.start()
        return router

    def stop_router(self) -> None:
        if self.router is not None:
            self.router.stop()
            self.router = None

    def start(self) -> LocalCloud:
        self.start_emulators()
        self.start_functions()
        self.start_router()
        return self

    def stop(self) -> None:
        self.stop_router()
        if self.functions is not None:
            self.functions.stop()
            self.functions = None
        if self.emulators is not None:
            self.emulators.stop()
            self.emulators = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
