"""One object that starts and stops the whole local cloud, for tests, ``make demo`` and
``make up``: emulators, every routed function under functions-framework, the router."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.localcloud.emulators import REPO_ROOT, Emulators
from shared.localcloud.ports import free_port, wait_for_port
from shared.localcloud.processes import ManagedProcess, ProcessGroup
from shared.localcloud.router import EventRouter
from shared.routing import ROUTES, Route

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
    _group: ProcessGroup | None = None

    def start(self) -> None:
        self._group = ProcessGroup(self.log_dir)
        env = {**os.environ, **self.env, "PYTHONPATH": str(REPO_ROOT)}
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
            self.urls[route.function] = f"http://127.0.0.1:{port}"
        for name, (port, proc) in started.items():
            try:
                wait_for_port(port, timeout=60, alive=proc.alive)
            except TimeoutError as exc:
                tail = proc.log_tail()
                self.stop()
                raise FunctionStartError(f"function {name} did not start:\n{tail}") from exc

    def stop(self) -> None:
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

    def start_router(self) -> EventRouter:
        assert self.functions is not None, "start the functions first"
        self.router = EventRouter(self.project, self.bucket, self.functions.urls)
        self.router.start()
        return self.router

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
