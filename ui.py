"""Serve the chat UI: ``python ui.py [--host 127.0.0.1] [--port 7860]`` (the same as ``qa serve``).

Corpus, index and encoder come from the ``QA_*`` environment variables, as in the CLI.
"""

import argparse
import sys

from qa.config import from_env
from qa.errors import QAError
from qa.web import launch

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the question-answering chat UI for E/2020/54.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default: %(default)s)")
    args = parser.parse_args()
    try:
        launch(from_env(), host=args.host, port=args.port)
    except QAError as e:
        sys.exit(f"ui: error: {e}")
