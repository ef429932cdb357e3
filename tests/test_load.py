"""The real server (``python ui.py``), in its own process, under 50 concurrent clients asking 400 questions:
through the API, compared with ``Service.ask`` in process in the same run, and through the chat page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPORT, ROOT

# 400 questions keep every client busy through the run (8 each); the 1,000 of the figures in docs/api.md come from
# `python -m qa.lab.loadtest`, which takes minutes on these 2 cores
TOTAL = 400


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui_server(built_index_dir):
    port = _free_port()
    env = dict(os.environ, QA_CORPUS=str(REPORT), QA_INDEX_DIR=str(built_index_dir))
    proc = subprocess.Popen([sys.executable, str(ROOT / "ui.py"), "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"ui.py exited: {proc.stderr.read().decode()[-500:]}")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("ui.py did not start within 120 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_api_fifty_clients_against_in_process(ui_server, service):
    from qa.lab.loadtest import compare

    report = compare(ui_server, clients=50, total=TOTAL, service=service)
    print(f"\nload: {report}")
    local, api = report["in_process"], report["api"]
    assert local["questions"] == api["questions"] == TOTAL
    assert local["errors"] == api["errors"] == 0 and local["correct"] == api["correct"] == TOTAL
    # ui.py answers in one worker process per core, so the API is not bound by one interpreter's lock as the
    # in-process threads are: 0.89-1.02 measured on a quiet machine (README; target 0.8), 0.57 in a run that
    # shared the 2 cores with a model fit. The target is measured by qa.lab.loadtest, not here: this bound only
    # catches an API that falls far behind (a blocked event loop, a pool of one).
    assert report["ratio"] >= 0.45, report


@pytest.mark.slow
def test_page_fifty_clients_all_correct(ui_server):
    from qa.lab.loadtest import run_page

    result = run_page(ui_server, clients=50, total=TOTAL)
    print(f"\nload: {result}")
    assert result.questions == TOTAL
    assert result.errors == 0 and result.correct == TOTAL


@pytest.mark.parametrize("run", ["run_api", "run_page"])
def test_load_test_refuses_other_hosts(run):
    from qa.lab import loadtest
    with pytest.raises(ValueError, match="loopback"):
        getattr(loadtest, run)("http://10.0.0.1:7860/", clients=1, total=1)
