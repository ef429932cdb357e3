"""Serve the chat page and the HTTP API: ``python ui.py [--host 127.0.0.1] [--port 7860]`` (= ``qa serve``).

Corpus, index, encoder and API key come from the ``QA_*`` environment variables, as in the CLI.
"""

import argparse
import os
import sys

from qa.serve.api import POOLS, ApiOptions
from qa.config import from_env
from qa.errors import QAError
from qa.serve.web import launch

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the question-answering chat page and API for E/2020/54.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default: %(default)s)")
    parser.add_argument("--api-key", default=os.environ.get("QA_API_KEY"), help="bearer key for /api and /v1")
    parser.add_argument("--cors", action="append", default=[], metavar="ORIGIN", help="origin allowed to call the API")
    parser.add_argument("--pool", choices=POOLS, default="process", help="worker processes or threads (default: %(default)s)")
    parser.add_argument("--workers", type=int, help="questions answered at once (default: 1 process or 2 threads per core)")
    args = parser.parse_args()
    try:
        launch(from_env(), host=args.host, port=args.port,
               options=ApiOptions(api_key=args.api_key or None, cors=tuple(args.cors),
                                                pool=args.pool, workers=args.workers))
    except QAError as e:
        sys.exit(f"ui: error: {e}")
