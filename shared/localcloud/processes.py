"""Child processes that are always stopped: each runs in its own process group.

A ``ManagedProcess`` remembers how it was started (argv, env, cwd), so a ``Supervisor``
can restart it the way Cloud Run restarts a crashed instance: same command, same port.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)


def _spawn(argv: Sequence[str], env: Mapping[str, str] | None, cwd: Path | None,
           log_path: Path, append: bool) -> subprocess.Popen[bytes]:
    """Start a child in a new session (its own process group), output to ``log_path``."""
    with log_path.open("ab" if append else "wb") as log:
        return subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=str(cwd) if cwd else None,
            start_new_session=True,
        )


@dataclass
class ManagedProcess:
    """A started child with its log file; ``stop`` kills its whole process group."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    argv: tuple[str, ...] = ()
    env: dict[str, str] | None = None
    cwd: Path | None = None
    restarts: int = 0
    started_at: float = field(default_factory=time.monotonic)
    _stopped: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:  # a supervisor must not restart what is being stopped
            self._stopped = True
            self._kill_group(timeout)

    def restart(self) -> bool:
        """Start the same command again if it died (and was not stopped); ``True`` if so.

        Leftovers of the dead process group (a gunicorn worker whose master was killed)
        are killed first: they still hold the port the new process must bind.
        """
        with self._lock:
            if self._stopped or not self.argv or self.popen.poll() is None:
                return False
            self.kill_leftovers()
            with self.log_path.open("ab") as log:
                log.write(f"\n--- restarted after exit code {self.popen.returncode} ---\n"
                          .encode())
            self.popen = _spawn(self.argv, self.env, self.cwd, self.log_path, append=True)
            self.restarts += 1
            self.started_at = time.monotonic()
            return True

    def kill_leftovers(self) -> None:
        """SIGKILL what is left of a dead leader's group (e.g. orphaned gunicorn workers).

        Only call it soon after the leader died: its id names the group only as long as
        some member is alive or the id has not been reused.
        """
        if self.popen.poll() is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def _kill_group(self, timeout: float) -> None:
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class ProcessGroup:
    """Everything the local cloud started, stopped in reverse order."""

    log_dir: Path
    processes: list[ManagedProcess] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        popen = _spawn(argv, env, cwd, log_path, append=False)
        proc = ManagedProcess(name=name, popen=popen, log_path=log_path, argv=tuple(argv),
                              env=dict(env) if env is not None else None, cwd=cwd)
        self.processes.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()


@dataclass
class Supervisor:
    """Restarts watched processes that die, like Cloud Run restarts a crashed instance.

    One thread polls every ``interval`` s. A crashed process is restarted at once; one
    that keeps crashing within 10 s of starting waits longer each time (up to
    ``max_delay`` s), so a broken function does not spin in a hot loop.
    """

    processes: list[ManagedProcess]
    interval: float = 0.2
    max_delay: float = 30.0
    on_restart: Callable[[ManagedProcess, int | None], None] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _not_before: dict[str, float] = field(default_factory=dict)
    _fast_crashes: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for proc in list(self.processes):
                try:
                    self._check(proc)
                except Exception:  # keep supervising the others
                    logger.exception("supervising %s failed", proc.name)

    def _check(self, proc: ManagedProcess) -> None:
        code = proc.popen.poll()
        if code is None:
            return
        now = time.monotonic()
        not_before = self._not_before.get(proc.name)
        if not_before is None:
            proc.kill_leftovers()  # now, while the group id is surely still ours
            lived = now - proc.started_at
            crashes = self._fast_crashes.get(proc.name, 0) + 1 if lived < 10 else 0
            self._fast_crashes[proc.name] = crashes
            # The first crash restarts at once; a crash loop waits 0.5 s, 1 s, 2 s, …
            delay = min(0.5 * 2 ** (crashes - 2), self.max_delay) if crashes > 1 else 0.0
            self._not_before[proc.name] = not_before = now + delay
            logger.warning("%s (pid %d) exited with code %s after %.1f s; restarting%s\n%s",
                           proc.name, proc.pid, code, lived,
                           f" in {delay:.1f} s" if delay else "", proc.log_tail(15))
        if now < not_before:
            return
        del self._not_before[proc.name]
        if proc.restart():
            logger.warning("%s restarted (pid %d, restart #%d)", proc.name, proc.pid,
                           proc.restarts)
            if self.on_restart is not None:
                self.on_restart(proc, code)
