"""A real, private Dovecot IMAP server for the integration tests.

`Dovecot` writes its own configuration into a temporary directory (runtime sockets, state,
log, mail and a self-signed certificate all live there), starts `dovecot -c CONF` on two free
loopback ports (plain IMAP with STARTTLS, and implicit-TLS IMAPS), and offers a few helpers
that talk to it with `imapclient` so tests can seed and inspect mailboxes:

    with Dovecot() as server:
        uid = server.append("orders", "INBOX", raw_bytes)
        assert uid in server.uids("orders", "INBOX")

Running as root (as on the CI machines) the login processes run as `dovenull` and the mail
processes as `dovecot`, as Dovecot requires; as an ordinary user everything runs as that user.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

DEFAULT_USERS: Mapping[str, str] = {
    "orders": "orders-pw",
    "purchasing": "purchasing-pw",
    "accounts": "accounts-pw",
}

_SEARCH_PATH = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin")
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


class DovecotError(RuntimeError):
    """Dovecot could not be started, stopped or used as the tests expect."""


def find_dovecot() -> str | None:
    """The path of the `dovecot` binary, also looking in the sbin folders not on every PATH."""
    found = shutil.which("dovecot")
    if found:
        return found
    extra = os.pathsep.join(_SEARCH_PATH)
    return shutil.which("dovecot", path=extra)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _free_ports(host: str, count: int) -> list[int]:
    """`count` distinct free ports: all sockets are held open until every port is picked."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is parenthesised and may itself hold spaces or parentheses.
    return stat.rpartition(")")[2].split()


def _pid_alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting to be reaped counts as gone)."""
    fields = _proc_stat(pid)
    return fields is not None and fields[:1] != ["Z"]


def _group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _proc_stat(int(entry.name))
        # fields: state, ppid, pgrp, ...
        if fields is not None and len(fields) > 2 and fields[0] != "Z" and fields[2] == str(pgid):
            members.append(int(entry.name))
    return members


def _kill_instance(root: Path) -> None:
    """Last-resort clean-up (at interpreter exit too): end the instance's processes, remove root."""
    try:
        pid = int((root / "run" / "master.pid").read_text().strip())
    except (OSError, ValueError):
        pid = 0
    if pid > 0 and _pid_alive(pid):
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGTERM)
                deadline = time.monotonic() + 5
                while _group_members(pid) and time.monotonic() < deadline:
                    time.sleep(0.02)
                for straggler in _group_members(pid):
                    os.kill(straggler, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGTERM)
    shutil.rmtree(root, ignore_errors=True)


class Dovecot:
    """A private Dovecot instance on loopback, with its own config, mail and certificate.

    Attributes (valid once `start()` has run): `host`, `port` (plain IMAP, STARTTLS offered,
    LOGIN allowed without TLS), `tls_port` (implicit TLS), `cert_path` (the self-signed
    certificate, for 127.0.0.1 and localhost, to use as a CA file), `users` (name -> password),
    `root` (the temporary directory), `log_path`.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        users: Mapping[str, str] | None = None,
        *,
        binary: str | None = None,
        start_timeout: float = 20.0,
        max_userip_connections: int = 50,
        capabilities: str | None = None,
        oauth2_introspection_url: str | None = None,
    ) -> None:
        self.users: dict[str, str] = dict(users if users is not None else DEFAULT_USERS)
        # When set, XOAUTH2 and OAUTHBEARER logins are checked against this RFC 7662 endpoint.
        self.oauth2_introspection_url = oauth2_introspection_url
        # When set, the capability list the server announces (e.g. a server without MOVE).
        self.capabilities = capabilities
        self.binary = binary or find_dovecot()
        self.start_timeout = start_timeout
        self.max_userip_connections = max_userip_connections
        self.root: Path | None = None
        self.port = 0
        self.tls_port = 0
        self._running = False
        self._stopped_on_purpose = False
        self._finalizer: Callable[[], object] | None = None

    # ----------------------------------------------------------------- paths

    def _path(self, *parts: str) -> Path:
        if self.root is None:
            raise DovecotError("Dovecot has not been started: call start() first")
        return self.root.joinpath(*parts)

    @property
    def config_path(self) -> Path:
        return self._path("dovecot.conf")

    @property
    def log_path(self) -> Path:
        return self._path("dovecot.log")

    @property
    def cert_path(self) -> Path:
        return self._path("tls", "cert.pem")

    @property
    def key_path(self) -> Path:
        return self._path("tls", "key.pem")

    @property
    def base_dir(self) -> Path:
        return self._path("run")

    @property
    def mail_dir(self) -> Path:
        return self._path("mail")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of Dovecot's log and of its start-up output, for error messages."""
        chunks = []
        for path in (self._path("startup.out"), self.log_path):
            try:
                text = path.read_text(errors="replace")
            except (OSError, DovecotError):
                continue
            tail = "\n".join(text.splitlines()[-lines:])
            chunks.append(f"--- {path.name} ---\n{tail}")
        return "\n".join(chunks) or "(no log written)"

    def log_problems(self) -> list[str]:
        """The log lines Dovecot wrote at Error, Fatal or Panic level.

        `stop()` sends SIGTERM to the whole process group, so the master may log a child it
        saw die of that signal ("killed with signal 15") before it exits itself: once this
        instance has been stopped on purpose, those lines are ours, not Dovecot's problems.
        """
        text = self.log_path.read_text(errors="replace")
        return [
            line
            for line in text.splitlines()
            if any(level in line for level in (" Error: ", " Fatal: ", " Panic: "))
            and not (self._stopped_on_purpose and "killed with signal 15" in line)
        ]

    # ------------------------------------------------------------- lifecycle

    def __enter__(self) -> Dovecot:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Start the server; on first start write the config, passwords and certificate."""
        if self._running:
            return
        if self.binary is None:
            raise DovecotError("the dovecot binary was not found: apt-get install -y dovecot-imapd")
        if self.root is None:
            self._prepare()
        out_path = self._path("startup.out")
        with out_path.open("ab") as out:
            result = subprocess.run(
                [self.binary, "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=self.start_timeout,
                check=False,
            )
        if result.returncode != 0:
            raise DovecotError(
                f"dovecot -c {self.config_path} exited with {result.returncode}\n" + self.log_tail()
            )
        self._running = True
        self._disable_auth_penalty()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server, disconnecting every client, and wait until its ports are closed.

        The daemonised master leads a process group of its own holding every process of
        this instance (log, auth, imap-login and the per-user imap processes), so SIGTERM
        goes to that whole group: each imap process then drops its client at once. `dovecot
        stop` only signals the master, after which a logged-in imap process goes on serving
        its client for about ten seconds, and it waits until the master's pid is reaped, which
        takes seconds where the init process reaps orphans lazily. Without a pid file this
        falls back to `dovecot -c CONF stop`.
        """
        if self.root is None or not self.config_path.exists():
            self._running = False
            return
        pid = self._master_pid()
        group: int | None = None
        self._stopped_on_purpose = True
        if pid is not None and _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                if os.getpgid(pid) == pid:
                    group = pid
                    os.killpg(group, signal.SIGTERM)
                else:
                    os.kill(pid, signal.SIGTERM)
        elif self.binary is not None and self._any_port_open():
            with self._path("startup.out").open("ab") as out:
                subprocess.run(
                    [self.binary, "-c", str(self.config_path), "stop"],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=self.start_timeout,
                    check=False,
                )

        def alive() -> list[int]:
            if group is not None:
                return _group_members(group)
            return [pid] if pid is not None and _pid_alive(pid) else []

        deadline = time.monotonic() + self.start_timeout
        signalled = time.monotonic()
        while alive() or self._any_port_open():
            if group is not None and time.monotonic() - signalled > 0.1:
                # A process the master forked just as the signal went out missed it.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGTERM)
                signalled = time.monotonic()
            if time.monotonic() > deadline:
                for straggler in alive():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(straggler, signal.SIGKILL)
                self._running = False
                raise DovecotError("Dovecot did not stop in time\n" + self.log_tail())
            time.sleep(0.02)
        self._running = False

    def ensure_running(self) -> None:
        """Start the server again if a test stopped it (or it died); no-op when it greets."""
        if self._running:
            try:
                self._check_greeting()
                return
            except (OSError, DovecotError):
                pass
        self.stop()
        self.start()

    def restart(self) -> None:
        """Stop and start again on the same ports, mail and certificate."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server if it runs and remove the temporary directory."""
        try:
            self.stop()
        finally:
            if self._finalizer is not None:
                self._finalizer()  # kills whatever is left, removes the directory
                self._finalizer = None
            self.root = None

    def _disable_auth_penalty(self) -> None:
        """Keep one test's failed LOGIN from slowing down every later login from 127.0.0.1.

        Dovecot's auth process delays logins from an IP that recently failed (2 s, then 4, 8,
        up to 15 s), tracked through anvil's `anvil-auth-penalty` socket; when that socket is
        missing as the auth process starts, it silently runs without penalties. The auth
        process starts with the first login, after this runs.
        """
        with contextlib.suppress(FileNotFoundError):
            self._path("run", "anvil-auth-penalty").unlink()

    def _master_pid(self) -> int | None:
        try:
            return int(self._path("run", "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def _any_port_open(self) -> bool:
        return any(_port_open(self.host, p) for p in (self.port, self.tls_port) if p)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            try:
                self._check_greeting()
                return
            except (OSError, DovecotError) as exc:
                last_error = exc
                time.sleep(0.05)
        raise DovecotError(
            f"Dovecot did not greet on {self.host}:{self.port} and :{self.tls_port} within "
            f"{self.start_timeout:.0f}s (last error: {last_error!r})\n" + self.log_tail()
        )

    def _check_greeting(self) -> None:
        with socket.create_connection((self.host, self.port), timeout=2) as sock:
            greeting = _read_line(sock)
        if not greeting.startswith(b"* OK"):
            raise DovecotError(f"unexpected greeting on the plain port: {greeting!r}")
        context = self.ssl_context()
        with (
            socket.create_connection((self.host, self.tls_port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname=self.host) as sock,
        ):
            greeting = _read_line(sock)
        if not greeting.startswith(b"* OK"):
            raise DovecotError(f"unexpected greeting on the TLS port: {greeting!r}")

    # --------------------------------------------------------------- set-up

    def _prepare(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        self.root = root
        # Even if close() is never reached (a crashed session), clean up at interpreter exit.
        self._finalizer = weakref.finalize(self, _kill_instance, root)
        # The login and mail processes run as other users when we are root: they must be
        # able to traverse the directory to reach the sockets and the mail.
        root.chmod(0o755)
        self.port, self.tls_port = _free_ports(self.host, 2)
        mail_user, mail_group, login_user = self._accounts()
        uid = pwd.getpwnam(mail_user).pw_uid
        gid = grp.getgrnam(mail_group).gr_gid

        self.mail_dir.mkdir()
        os.chown(self.mail_dir, uid, gid)
        self._path("state").mkdir()
        self._make_certificate()

        passwd = self._path("passwd")
        passwd.write_text(
            "".join(f"{name}:{{PLAIN}}{password}::::::\n" for name, password in self.users.items())
        )
        passwd.chmod(0o644)
        if self.oauth2_introspection_url:
            oauth2 = self._path("oauth2.conf.ext")
            oauth2.write_text(
                f"introspection_mode = post\nintrospection_url = {self.oauth2_introspection_url}\n"
                "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
                "force_introspection = yes\n"
            )
            oauth2.chmod(0o644)
        self.log_path.touch()
        self.config_path.write_text(
            self._config(mail_user=mail_user, mail_group=mail_group, login_user=login_user, uid=uid)
        )

    def _accounts(self) -> tuple[str, str, str]:
        """(mail user, mail group, login user) for the processes Dovecot starts."""
        if os.geteuid() == 0:
            return "dovecot", "dovecot", "dovenull"
        me = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        return me, group, me

    def _make_certificate(self) -> None:
        tls_dir = self._path("tls")
        tls_dir.mkdir()
        command = [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "7",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(self.key_path),
            "-out",
            str(self.cert_path),
        ]
        try:
            result = subprocess.run(
                command, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False
            )
        except FileNotFoundError as exc:
            raise DovecotError(
                "the openssl command is needed to make the test certificate"
            ) from exc
        if result.returncode != 0:
            raise DovecotError(
                "openssl could not make the test certificate:\n"
                + result.stderr.decode(errors="replace")
            )
        self.key_path.chmod(0o600)
        self.cert_path.chmod(0o644)

    def _config(self, *, mail_user: str, mail_group: str, login_user: str, uid: int) -> str:
        root = self.root
        as_root = os.geteuid() == 0
        login_chroot = "" if as_root else "  chroot =\n"
        # As an ordinary user Dovecot cannot chroot: switch it off for the services that do.
        no_chroots = (
            ""
            if as_root
            else "".join(
                f"service {name} {{\n  chroot =\n}}\n"
                for name in ("anvil", "ipc", "old-stats", "aggregator")
            )
        )
        return f"""\
# Written by tests/integration/imap_server.py for one test session.
protocols = imap
listen = {self.host}
base_dir = {self.base_dir}
state_dir = {root}/state
instance_name = dovecot-test-{self.port}
log_path = {self.log_path}
info_log_path = {self.log_path}
debug_log_path = {self.log_path}
auth_verbose = yes

default_login_user = {login_user}
default_internal_user = {mail_user}
default_internal_group = {mail_group}
first_valid_uid = {min(uid, 500)}
first_valid_gid = 1

ssl = yes
ssl_cert = <{self.cert_path}
ssl_key = <{self.key_path}
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2 oauthbearer" if self.oauth2_introspection_url else ""}
auth_failure_delay = 0

passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{self._oauth2_passdb()}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={self.mail_dir}/%u
}}

mail_location = maildir:{self.mail_dir}/%u/Maildir:LAYOUT=fs
namespace inbox {{
  inbox = yes
  separator = /
  mailbox INBOX {{
    auto = create
  }}
}}

service imap-login {{
{login_chroot}  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.tls_port}
    ssl = yes
  }}
}}

{no_chroots}
protocol imap {{
  mail_max_userip_connections = {self.max_userip_connections}
{f"  imap_capability = {self.capabilities}" if self.capabilities else ""}
}}
"""

    def _oauth2_passdb(self) -> str:
        if not self.oauth2_introspection_url:
            return ""
        return (
            "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {self.root}/oauth2.conf.ext\n}}\n"
        )

    # ------------------------------------------------------------- clients

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts only this server's certificate (hostname checked)."""
        context = ssl.create_default_context(cafile=str(self.cert_path))
        context.check_hostname = True
        return context

    @contextlib.contextmanager
    def client(self, user: str, *, tls: bool = False, timeout: float = 10) -> Iterator[IMAPClient]:
        """A logged-in `IMAPClient` for `user` (on the TLS port if `tls`), logged out after."""
        if not self._running:
            raise DovecotError("Dovecot is not running")
        if tls:
            imap = IMAPClient(
                self.host, self.tls_port, ssl=True, ssl_context=self.ssl_context(), timeout=timeout
            )
        else:
            imap = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        with imap:
            imap.login(user, self.users[user])
            yield imap

    def create_folder(self, user: str, folder: str) -> None:
        """Create `folder` for `user` unless it exists already."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)

    def delete_folder(self, user: str, folder: str) -> None:
        """Delete `folder` (and its messages) for `user` if it exists."""
        with self.client(user) as imap:
            if imap.folder_exists(folder):
                imap.delete_folder(folder)

    def folders(self, user: str) -> list[str]:
        """The names of `user`'s folders, sorted."""
        with self.client(user) as imap:
            return sorted(name for _flags, _sep, name in imap.list_folders())

    def append(
        self,
        user: str,
        folder: str,
        raw: bytes,
        flags: Sequence[str | bytes] = (),
        msg_time: dt.datetime | None = None,
    ) -> int:
        """Append one message (creating the folder if needed); the new UID (from APPENDUID)."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            return _append(imap, folder, raw, flags, msg_time)

    def append_many(self, user: str, folder: str, raws: Iterable[bytes]) -> list[int]:
        """Append several messages over one connection; their UIDs, in order."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            return [_append(imap, folder, raw, (), None) for raw in raws]

    def uids(self, user: str, folder: str) -> list[int]:
        """The UIDs in `folder`, ascending (the folder is examined read-only)."""
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=True)
            return sorted(int(uid) for uid in imap.search("ALL"))

    def flags(self, user: str, folder: str) -> dict[int, tuple[str, ...]]:
        r"""UID -> flags and keywords as str (e.g. "\Seen", "$Forwarded"), without \Recent.

        The folder is examined read-only, so looking does not change any flag.
        """
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=True)
            uids = imap.search("ALL")
            if not uids:
                return {}
            return {
                int(uid): tuple(_text(f) for f in found if _text(f).lower() != "\\recent")
                for uid, found in imap.get_flags(uids).items()
            }

    def uidvalidity(self, user: str, folder: str) -> int:
        """The folder's UIDVALIDITY."""
        with self.client(user) as imap:
            status = imap.folder_status(folder, [b"UIDVALIDITY"])
            return int(status[b"UIDVALIDITY"])

    def fetch_raw(self, user: str, folder: str, uid: int) -> bytes:
        """The full raw message with this UID, fetched with BODY.PEEK[] (\\Seen left alone)."""
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=True)
            data = imap.fetch([uid], [b"BODY.PEEK[]"])
            if uid not in data:
                raise DovecotError(f"no message with UID {uid} in {folder!r} for {user!r}")
            body: bytes = data[uid][b"BODY[]"]
            return body

    def recreate_folder(self, user: str, folder: str) -> int:
        """Delete the folder and create it again with the same messages, flags and dates.

        The new folder has a new UIDVALIDITY (checked) and new UIDs; returns the UIDVALIDITY.
        INBOX cannot be deleted in IMAP, so it cannot be recreated either.
        """
        if folder.upper() == "INBOX":
            raise ValueError("INBOX cannot be deleted, so it cannot be recreated: use a folder")
        with self.client(user) as imap:
            before = int(imap.select_folder(folder, readonly=True)[b"UIDVALIDITY"])
            uids = imap.search("ALL")
            fetched = imap.fetch(uids, [b"BODY.PEEK[]", b"FLAGS", b"INTERNALDATE"]) if uids else {}
            imap.unselect_folder()
            imap.delete_folder(folder)
            imap.create_folder(folder)
            for uid in sorted(fetched):
                item = fetched[uid]
                keep = [f for f in item[b"FLAGS"] if _text(f).lower() != "\\recent"]
                _append(imap, folder, item[b"BODY[]"], keep, item[b"INTERNALDATE"])
            after = int(imap.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        if after == before:
            raise DovecotError(f"recreating {folder!r} kept UIDVALIDITY {before}")
        return after


def _append(
    imap: IMAPClient,
    folder: str,
    raw: bytes,
    flags: Sequence[str | bytes],
    msg_time: dt.datetime | None,
) -> int:
    response = imap.append(folder, raw, flags=tuple(flags), msg_time=msg_time)
    match = _APPENDUID.search(response if isinstance(response, bytes) else response.encode())
    if match is None:
        raise DovecotError(f"APPEND to {folder!r} gave no APPENDUID: {response!r}")
    return int(match.group(2))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return data
