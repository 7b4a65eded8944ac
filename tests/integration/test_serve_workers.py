"""`triage serve --workers 2`: two processes answer on one port over one database (migrated
once, by the parent), share the UI's session secret, run the background work once, and stop
together, on SIGTERM and when the parent is killed."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.integration.imap_server import free_port

pytestmark = pytest.mark.integration
TRIAGE = [sys.executable, "-m", "triage"]
BACKGROUND = "runs the watchers, the recovery sweep and the outbox"


def _env(database_url: str, tmp_path: Path, model_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    return env | {
        "TRIAGE_DATABASE_URL": database_url,
        "TRIAGE_DATA_DIR": str(tmp_path),
        "TRIAGE_CLASSIFY__MODEL_DIR": str(model_dir),
    }


@contextmanager
def _serving(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`triage serve --workers 2` on a free port; killed afterwards if a test left it running."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*TRIAGE, "serve", "--workers", "2", "--no-access-log", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield server, port
        finally:
            if server.poll() is None:
                server.kill()
                server.wait(30)


def _workers(parent: int) -> set[int]:
    """The worker processes uvicorn spawned for `parent` (not multiprocessing's tracker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, NotADirectoryError, PermissionError):
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_for(check: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"waited {seconds:.0f} s for {what}"
        time.sleep(0.2)


def _owner(port: int, client_port: int, workers: set[int]) -> int | None:
    """The worker whose accepted socket is the server end of the connection from `client_port`."""
    inode = ""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(a.rsplit(":", 1)[1], 16) for a in fields[1:3])
        if local == port and remote == client_port:
            inode = fields[9]
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except FileNotFoundError:
                continue
    return None


def _connection(port: int, workers: set[int], wanted: int) -> http.client.HTTPConnection:
    """A kept-alive connection that worker `wanted` accepted (new ones until one lands there,
    for as long as the workers may take to start)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/healthz")
            with connection.getresponse() as reply:
                assert reply.status == 200
                reply.read()
        except ConnectionRefusedError:  # no worker has started listening yet
            connection.close()
            time.sleep(0.2)
            continue
        if _owner(port, connection.sock.getsockname()[1], workers) == wanted:
            return connection
        connection.close()
        time.sleep(0.05)
    raise AssertionError(f"no connection accepted by worker {wanted} in 180 s")


def _call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    connection.request(method, path, body=body or None, headers=headers or {})
    with connection.getresponse() as reply:
        return reply.status, dict(reply.getheaders()), reply.read().decode()


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*TRIAGE, *args], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode().strip()


def test_two_workers_answer_over_one_database_and_stop_on_sigterm(
    database_url: str, tmp_path: Path, trained_model_dir: Path
) -> None:
    env = _env(database_url, tmp_path, trained_model_dir)  # a database nobody migrated yet
    with _serving(env, tmp_path / "serve.log") as (server, port):
        _wait_for(lambda: len(_workers(server.pid)) == 2, 120, "two workers")
        workers = _workers(server.pid)
        first, second = sorted(workers)
        _connection(port, workers, first).close()  # both answer before the key is made
        _connection(port, workers, second).close()
        key = _cli(env, "apikey", "create", "workers")
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        text = json.dumps({"text": "Where is my order S00042? It was due yesterday."}).encode()
        for pid in (first, second):
            with closing(_connection(port, workers, pid)) as connection:
                status, _, body = _call(connection, "POST", "/v1/classify", text, auth)
            assert status == 200, body
            assert json.loads(body)["intents"][0]["intent"] in ("order_status", "delivery_problem")

        # A form from one worker is accepted by the other: both sign sessions with one secret.
        with closing(_connection(port, workers, first)) as connection:
            status, headers, page = _call(connection, "GET", "/login")
        assert status == 200
        cookie = headers["set-cookie"].split(";", 1)[0]
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None, page
        form = urllib.parse.urlencode({"csrf": token[1], "name": "nobody", "password": "x" * 12})
        form_headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        with closing(_connection(port, workers, second)) as connection:
            status, _, page = _call(connection, "POST", "/login", form.encode(), form_headers)
        assert status == 401, page  # refused for the credentials, not 403 for the form

        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0
    assert not [pid for pid in workers if _alive(pid)]
    log = (tmp_path / "serve.log").read_text()
    assert log.count(BACKGROUND) == 1, log
    assert log.count("Running upgrade  -> 0001") == 1, log  # by the parent alone


def test_workers_die_with_a_killed_server(tmp_path: Path, trained_model_dir: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'triage.db'}", tmp_path, trained_model_dir)
    with _serving(env, tmp_path / "serve.log") as (server, _):
        _wait_for(lambda: len(_workers(server.pid)) == 2, 120, "two workers")
        workers = _workers(server.pid)
        server.send_signal(signal.SIGKILL)
        server.wait(30)
    _wait_for(lambda: not any(_alive(pid) for pid in workers), 30, "the workers to die")


def test_a_second_server_on_the_same_port_is_refused(
    tmp_path: Path, trained_model_dir: Path
) -> None:
    env = _env(f"sqlite:///{tmp_path / 'triage.db'}", tmp_path, trained_model_dir)
    with _serving(env, tmp_path / "serve.log") as (server, port):
        _wait_for(lambda: len(_workers(server.pid)) == 2, 120, "two workers")
        second = subprocess.run(
            [*TRIAGE, "serve", "--workers", "2", "--no-access-log", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 2, second.stderr
        assert f"already listening on 127.0.0.1:{port}" in second.stderr
        assert server.poll() is None and len(_workers(server.pid)) == 2
