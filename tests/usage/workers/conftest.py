"""A real ``redis-server`` on a loopback port of its own, and ``manage.py qcluster``
processes on it and on the test database, for the tests of several workers on one
queue.

The server is Debian's package (``make test`` installs it: scripts/ensure-redis.sh),
started here with no persistence in a temporary folder; the machine's own Redis
(6379) is never used. Each cluster runs in its own process group, killed whole
when its test ends.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
REDIS_SERVER = shutil.which("redis-server") or next((p for p in ("/usr/bin/redis-server",) if Path(p).exists()), None)


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.05):
    """Poll ``condition`` until it returns something true (returned), failing the
    test after ``timeout`` seconds with ``what`` (a callable is called for it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout} s: {what() if callable(what) else what}")
        time.sleep(every)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port)


def _start_redis(folder: Path) -> RedisServer:
    port = _free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(folder), "--logfile", str(folder / "redis.log"), "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = RedisServer(port=port, process=process)
    deadline = time.monotonic() + 10
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(folder / 'redis.log').read_text(errors='replace')[-2000:]}")
        try:
            if server.client().ping():
                return server
        except Exception:  # noqa: BLE001 - not listening yet
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("redis-server did not answer PING within 10 s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server of this test process, on a free loopback port."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed: run scripts/ensure-redis.sh (Debian package redis-server)")
    pytest.importorskip("redis", reason="the redis client is a dev dependency: pip install -e '.[dev]'")
    folder = tmp_path_factory.mktemp("redis")
    try:
        server = _start_redis(folder)
    except RuntimeError:  # the free port was taken meanwhile: once more
        server = _start_redis(folder)
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def redis_queue(redis_server, monkeypatch) -> RedisServer:
    """The Redis server emptied, and django-q2 in this process queueing onto it (the
    test profile otherwise runs every task at once, here): the project's own
    ``enqueue_*`` functions put their tasks where the clusters take them."""
    from django_q.conf import Conf

    redis_server.client().flushall()
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis_server.url)
    monkeypatch.setattr(Conf, "SYNC", False)
    yield redis_server
    redis_server.client().flushall()


def database_url() -> str:
    """The test database (pytest-django's ``test_<name>``), for another process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# The cluster's log lines that say which worker process runs which task.
_READY = re.compile(r"(?P<name>Process-[\w:-]+) ready for work at (?P<pid>\d+)")
_PROCESSING = re.compile(r"(?P<name>Process-[\w:-]+) processing (?P<task>.+?) '")


@dataclass
class Cluster:
    """One ``manage.py qcluster`` process (and its children), logging to ``log``."""

    name: str
    process: subprocess.Popen
    log: Path
    killed: set[int] = field(default_factory=set)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def running(self) -> bool:
        return "running." in self.text() and self.process.poll() is None

    def worker_pids(self, task_name: str) -> list[int]:
        """The pids of the worker processes that took a task named ``task_name``."""
        text = self.text()
        pids = {match["name"]: int(match["pid"]) for match in _READY.finditer(text)}
        return [pids[match["name"]] for match in _PROCESSING.finditer(text) if match["task"] == task_name]

    def worker_pid(self, task_name: str) -> int | None:
        """The pid of the worker process that took the task named ``task_name`` first."""
        return next(iter(self.worker_pids(task_name)), None)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Clusters:
    """The clusters a test started; ``start()`` starts more."""

    environment: dict[str, str]
    folder: Path
    started: list[Cluster] = field(default_factory=list)

    def start(self, count: int = 2, *, scheduler_at_start: bool = False) -> list[Cluster]:
        """``count`` clusters on the test's Redis and database, once each says it runs.
        ``scheduler_at_start``: each runs django-q2's scheduler as it starts (else after 30 s)."""
        env = {**self.environment}
        if scheduler_at_start:
            env["TEST_Q_GUARD_CYCLE"] = "30"
        new = []
        for _ in range(count):
            name = f"cluster-{len(self.started) + 1}"
            log = self.folder / f"{name}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "manage.py", "qcluster"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group, killed whole
                )
            cluster = Cluster(name=name, process=process, log=log)
            self.started.append(cluster)
            new.append(cluster)
        for cluster in new:
            wait_for(
                lambda cluster=cluster: cluster.running or cluster.process.poll() is not None,
                timeout=30,
                what=lambda cluster=cluster: f"{cluster.name} did not start:\n{cluster.text()[-3000:]}",
            )
            if cluster.process.poll() is not None:
                pytest.fail(f"{cluster.name} exited:\n{cluster.text()[-3000:]}")
        return new

    def logs(self) -> str:
        return "\n".join(f"--- {c.name}\n{c.text()[-4000:]}" for c in self.started)


def _other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def clusters(transactional_db, redis_queue, carrier_root, tmp_path, request):
    """Starts ``qcluster`` processes on the test's Redis and database (``start()``);
    every one is killed with its process group when the test ends, and the test's
    database is left only once their sessions are gone (its flush would wait on them)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.usage.workers.worker_settings",
        "DATABASE_URL": database_url(),
        "Q_REDIS_URL": redis_queue.url,
        "Q_WORKERS": "2",
        "CARRIER_FILES_ROOT": str(carrier_root),
        "COLLECTION_TEMP_DIR": str(carrier_root / ".incoming"),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("PROGRESS_CACHE_URL", None)
    started = Clusters(environment=environment, folder=tmp_path)
    yield started
    for cluster in started.started:
        cluster.stop()
    wait_for(lambda: _other_sessions() == 0, timeout=20, what="the clusters' database sessions did not end")
