"""The real UI server, in its own process, under 50 concurrent clients asking 1,000 questions."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPORT, ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
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
def test_fifty_clients_thousand_questions_all_correct(ui_server):
    from qa.loadtest import run

    result = run(ui_server, clients=50, total=1000)
    print(f"\nload: {result}")
    assert result.questions == 1000
    assert result.errors == 0 and result.correct == 1000


def test_load_test_refuses_other_hosts():
    from qa.loadtest import run

    with pytest.raises(ValueError, match="loopback"):
        run("http://10.0.0.1:7860/", clients=1, total=1)
