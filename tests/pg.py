"""A real PostgreSQL server for the test run: started in a temporary directory on 127.0.0.1, stopped after.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
Without the server binaries the tests that need it are skipped, saying why.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def find_binaries() -> Path | None:
    on_path = shutil.which("pg_ctl")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    found = candidates[-1] if candidates else on_path
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    def __init__(self, port: int, control: list[str] | None = None) -> None:
        self.port = port
        self._names = itertools.count(1)
        self._control = control or []

    def stop(self) -> None:
        """Stop the server at once (an outage); `start()` brings it back with its data."""
        subprocess.run([*self._control, "-m", "immediate", "-w", "stop"], check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run([*self._control, "-w", "-t", "60", "start"], check=True, capture_output=True)

    def processes(self) -> list[int]:
        """The server's processes: the postmaster (first line of postmaster.pid) and every backend it started."""
        data = Path(self._control[self._control.index("-D") + 1])
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return [postmaster, *children]

    def freeze(self) -> None:
        """Freeze the server (SIGSTOP to every process of it): it answers nothing, and refuses nothing either."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                continue  # a backend that ended meanwhile

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        name = f"eventbot_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    binaries = find_binaries()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
    workdir = Path(tempfile.mkdtemp(prefix="eventbot-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(workdir, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = workdir / "data"
    port = _free_port()
    subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={workdir} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    control = [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(workdir / "server.log")]
    subprocess.run([*control, "-w", "-t", "60", "start"], check=True, capture_output=True)
    try:
        yield PostgresServer(port, control)
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)
