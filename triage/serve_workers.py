"""Process plumbing for `triage serve --workers N`: the parent that starts N uvicorn
workers and keeps them running, and what each worker does first.

Each worker listens on a socket of its own, all bound to one port with SO_REUSEPORT: the
kernel spreads new connections evenly over them. (With one shared socket, as uvicorn's
`--workers` does it, the first worker to wake accepts a whole burst of connections and
keeps them: under wrk's 16 connections one worker did all the work and the other idled.)

The parent migrates the database once (N workers migrating a fresh database at once would
race), gives every worker the same session secret (a random one each would refuse the
others' cookies) and names a lock file. The worker that holds the lock runs the background
work (mailbox watchers, recovery sweep, outbox worker); when it dies uvicorn starts another,
which finds the lock free. Each worker asks the kernel to kill it when the parent dies, so a
killed server leaves no worker behind still answering on the port or holding a lease.
"""

from __future__ import annotations

import ctypes
import fcntl
import logging
import multiprocessing
import os
import secrets
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess

from triage.config import Settings
from triage.errors import ConfigurationError

# Set by `triage serve` for its workers, never by an operator.
BACKGROUND_LOCK_ENV = "TRIAGE_SERVE_BACKGROUND_LOCK"
PARENT_ENV = "TRIAGE_SERVE_PARENT_PID"
SESSION_SECRET_ENV = "TRIAGE_API__SESSION_SECRET"
_PR_SET_PDEATHSIG = 1
STARTUP_FAILURE = 3  # a worker's exit code when its app did not start: restarting is futile
WORKER_APP = "api.serving:create_worker_app"  # by name: the api package sits above triage
_held: list[int] = []  # the lock's file descriptor, open for the life of the process
log = logging.getLogger(__name__)


@contextmanager
def prepared_workers(settings: Settings, count: int) -> Iterator[None]:
    """The environment the workers inherit, set for the block (the lock file removed after)."""
    from triage.store import make_engine, upgrade

    engine = make_engine(settings.sqlalchemy_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    fd, lock = tempfile.mkstemp(prefix="triage-serve-", suffix=".lock")
    os.close(fd)
    added = {BACKGROUND_LOCK_ENV: lock, PARENT_ENV: str(os.getpid())}
    if settings.api.session_secret is None:
        added[SESSION_SECRET_ENV] = secrets.token_urlsafe(48)
    if settings.api.login.storage.startswith("memory://"):
        log.warning(
            "the login throttle counts in memory: each of the %d workers keeps its own count; "
            "set TRIAGE_API__LOGIN__STORAGE to a shared store (redis://...) to count once",
            count,
        )
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
        os.unlink(lock)


def take_background_lock() -> bool:
    """True when this process is to run the background work: it holds the lock, or it is
    the only process (no lock named)."""
    path = os.environ.get(BACKGROUND_LOCK_ENV)
    if not path:
        return True
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _held.append(fd)  # released by the kernel when this process ends
    return True


def die_with_parent() -> None:
    """Have the kernel SIGKILL this worker when `triage serve` dies (Linux; elsewhere a no-op)."""
    parent = os.environ.get(PARENT_ENV)
    if not parent or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != int(parent):  # the parent died before the request took effect
        os._exit(1)


def run_workers(count: int, host: str, port: int, access_log: bool) -> None:
    """Start `count` workers on `host:port`, restart any that dies, stop them on SIGTERM or
    SIGINT; exits with an error when a worker fails to start."""
    claim = _claim_port(host, port)  # held open for the life of this server
    sockets = [_listening(host, port) for _ in range(count)]
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def start(index: int) -> BaseProcess:
        worker = context.Process(
            target=serve_one, args=(sockets[index], access_log), name=f"worker-{index}"
        )
        worker.start()
        return worker

    workers = [start(i) for i in range(count)]
    log.info("started %d workers on http://%s:%d", count, host, port)
    failed = False
    while not stop.wait(0.5):
        for index, worker in enumerate(workers):
            if worker.is_alive():
                continue
            if worker.exitcode == STARTUP_FAILURE:
                log.error("worker %s failed to start: stopping", worker.pid)
                failed = True
                stop.set()
                break
            log.warning("worker %s died (exit %s): starting another", worker.pid, worker.exitcode)
            workers[index] = start(index)
    _stop_all(workers)
    claim.close()
    if failed:
        raise SystemExit(1)


def _claim_port(host: str, port: int) -> socket.socket:
    """A machine-wide claim on host:port among `triage serve` parents.

    SO_REUSEPORT would let a second server on the same port (an old version still running,
    a second start by mistake) silently take half the connections; a name in Linux's
    abstract socket namespace can be bound once, and the kernel frees it when we die.
    """
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0triage-serve:{host}:{port}")
    except OSError as exc:
        claim.close()
        busy = f"another triage serve is already listening on {host}:{port}"
        raise ConfigurationError(busy) from exc
    return claim


def _listening(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio sets TCP_NODELAY only on sockets that name it, and
    # without it a reply written in two parts waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _stop_all(workers: list[BaseProcess]) -> None:
    for worker in workers:
        if worker.is_alive():
            worker.terminate()  # SIGTERM: uvicorn finishes its requests and the app's lifespan
    for worker in workers:
        worker.join(60)
        if worker.is_alive():
            worker.kill()
            worker.join()


def serve_one(sock: socket.socket, access_log: bool) -> None:
    """One worker: uvicorn serving the app on its own socket (the target of a new process)."""
    import uvicorn

    config = uvicorn.Config(WORKER_APP, factory=True, access_log=access_log)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)
