"""Moved to ``qa.ingest.document``; this name is kept until the layout move lands."""

from qa.ingest.document import KINDS, Chunk, Footnote  # noqa: F401
