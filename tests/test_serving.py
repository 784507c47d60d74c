"""Serving as in production: `FSE_WORKERS=2 make run` keeps its gevent process alive.

With workers, Odoo serves websockets (live notifications, chat) from a separate gevent
process on its own port; when that process cannot start, the server restarts it in a
loop and every page still loads, so only its log and its port tell. This test starts
scripts/run.sh as `make run` does, on free ports and its own database, lets it serve for
30 s, then asks both ports and reads the log.

Run by scripts/test.sh beside the addon's suite (it needs no Odoo test database):
    bash scripts/test.sh tests/test_serving.py
"""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import websocket

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
# The server installs the addon in a fresh copy of the template database first.
START_TIMEOUT = 600
SERVE_SECONDS = 30
GEVENT_STARTED = "Evented Service (longpolling) running on"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except OSError:
        return None


def stop(server):
    """Stop the server and its processes (workers, gevent), as Ctrl+C would, then kill."""
    for sig, timeout in ((signal.SIGINT, 60), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
            server.wait(timeout)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def raise_on_sigterm(signum, frame):
    # scripts/test.sh stops this test with SIGTERM when the suite beside it fails: stop the
    # server and drop its database (the finally clauses below) rather than leave them.
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A `FSE_WORKERS=2 make run` server, up for SERVE_SECONDS: (http port, gevent port, log)."""
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    db = f"fse_serving_{os.getpid()}"
    http_port, gevent_port = free_port(), free_port()
    log_path = tmp_path_factory.mktemp("serving") / "run.log"
    env = {
        **os.environ,
        "FSE_WORKERS": str(WORKERS),
        "FSE_DEMO_DB": db,
        "FSE_PORT": str(http_port),
        "FSE_GEVENT_PORT": str(gevent_port),
    }
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["bash", "scripts/run.sh"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while http_status(f"http://127.0.0.1:{http_port}/web/login") != 200:
            assert server.poll() is None, f"scripts/run.sh stopped:\n{log_path.read_text()[-3000:]}"
            assert (
                time.monotonic() < deadline
            ), f"No answer in {START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}"
            time.sleep(2)
        time.sleep(SERVE_SECONDS)
        yield http_port, gevent_port, log_path
    finally:
        stop(server)
        subprocess.run(
            [
                "bash",
                "-c",
                'source scripts/lib.sh && drop_db "$1" && rm -f "$CACHE_DIR/$1.conf" "$CACHE_DIR/$1-install.log"',
                "_",
                db,
            ],
            cwd=ROOT,
            check=False,
        )


def test_pages_are_served(server):
    http_port, _gevent_port, _log = server
    assert http_status(f"http://127.0.0.1:{http_port}/web/login") == 200


def test_websocket_answers_on_the_gevent_port(server):
    _http_port, gevent_port, _log = server
    url = f"ws://127.0.0.1:{gevent_port}/websocket"
    try:
        connection = websocket.create_connection(url, timeout=10)
    except OSError as error:
        pytest.fail(f"No websocket at {url}: {error}")
    try:
        assert connection.getstatus() == 101
    finally:
        connection.close()


def test_gevent_process_started_once(server):
    _http_port, _gevent_port, log_path = server
    log = log_path.read_text()
    assert "DistributionNotFound" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    starts = re.findall(re.escape(GEVENT_STARTED), log)
    assert (
        len(starts) == 1
    ), f"the gevent process started {len(starts)} times in {SERVE_SECONDS} s:\n{log[-3000:]}"
