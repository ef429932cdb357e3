"""Shared fixtures: the real report, its chunks, and one real index built per test session.

The index is built once (about a minute on 2 cores) into a session temp folder
with the real bundled e5 encoder; tests that change an index copy it first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "E-2020-54.zh.txt"
GOLD = ROOT / "eval" / "questions.jsonl"


@pytest.fixture(scope="session")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def chunks():
    from qa.ingest.corpus import load_corpus

    return load_corpus(REPORT)


@pytest.fixture(scope="session")
def built_index_dir(tmp_path_factory) -> Path:
    """A real index of the report, built once per session."""
    from qa.config import Settings
    from qa.serve.service import Service

    folder = tmp_path_factory.mktemp("index") / "E-2020-54"
    Service.open(Settings(corpus=REPORT, index_dir=folder), progress=False)
    return folder


@pytest.fixture(scope="session")
def service(built_index_dir):
    from qa.config import Settings
    from qa.serve.service import Service

    return Service.open(Settings(corpus=REPORT, index_dir=built_index_dir), rebuild=False)


@pytest.fixture
def index_copy(built_index_dir, tmp_path) -> Path:
    """A private copy of the built index, free to damage."""
    dest = tmp_path / "index"
    shutil.copytree(built_index_dir, dest)
    return dest
