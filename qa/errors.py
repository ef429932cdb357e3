"""Every error a user can meet, in one place, each with its exit code.

Library code raises these; the edges (``qa.cli``, ``qa.serve.web``) turn them into a
one-line message. Messages say what went wrong and what to do next.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class BadQuestion(QAError):
    """The question is empty or has nothing to search for."""

    exit_code = 2


class LexiconError(QAError):
    """No lexicon of that name (``--lexicon``, ``QA_LEXICON``), or a lexicon file is malformed."""

    exit_code = 2


class CorpusError(QAError):
    """A corpus file is missing, empty, binary, not UTF-8, or malformed."""

    exit_code = 3


class UnsupportedFormat(CorpusError):
    """The file's content is none of the formats a parser reads (whatever its suffix says)."""


class EmptyFile(CorpusError):
    """The file has no bytes, or only whitespace."""


class FileTooLarge(CorpusError):
    """The file is over the size limit (``qa.ingest.registry.MAX_FILE_MB``, ``QA_MAX_FILE_MB``)."""


class CorruptFile(CorpusError):
    """The file claims a format but cannot be read as it (a damaged .docx zip, a truncated PDF)."""


class UndecodableText(CorpusError):
    """A text file (plain, Markdown, HTML, jsonl) whose bytes are not in a known encoding."""


class UnreadableFile(CorpusError):
    """The operating system would not give the file's bytes (permissions, a broken link)."""


class EncryptedPDF(CorpusError):
    """A PDF that needs a password to open (decrypt it first: qpdf --decrypt)."""


class NoTextLayer(CorpusError):
    """A PDF with no usable text on any page: a scan (OCR is not available), drawings only, or unmapped fonts."""


class IndexUnusable(QAError):
    """The saved index is missing, corrupt, or does not match the corpus or encoder.

    ``problem`` is the short reason alone (``index is stale (the corpus changed since it was built)``),
    for a notice that rebuilds it; the message adds the folder and the fix.
    """

    exit_code = 4

    def __init__(self, message: str, problem: str = ""):
        super().__init__(message)
        self.problem = problem or message


class SegmentDamaged(IndexUnusable):
    """A document's segment of the index does not load: a rebuild must write it anew, not reuse it."""


class IndexMissing(IndexUnusable):
    """No index has been built in the folder yet (first use: built without a rebuild notice)."""


class EncoderError(QAError):
    """The embedding model cannot be loaded (missing package or model folder)."""

    exit_code = 5


class EvalSetError(QAError):
    """A gold set or benchmark folder is missing or malformed."""

    exit_code = 6


class ModelError(QAError):
    """The answer model file is missing, unreadable, or fitted on other features (rebuild: qa train)."""

    exit_code = 7



# Exit codes, documented in the README and checked by tests/test_docs.py.
EXIT_CODES = {
    0: "success (an abstention — 报告中没有找到… — is a success too)",
    1: "unexpected internal error",
    BadQuestion.exit_code: "bad question or bad option (empty, whitespace only, nothing searchable)",
    CorpusError.exit_code: "corpus file missing, empty, binary, not UTF-8, or malformed",
    IndexUnusable.exit_code: "index missing, corrupt, or built for another corpus/encoder/format (and --no-rebuild)",
    EncoderError.exit_code: "embedding model unavailable",
    EvalSetError.exit_code: "gold set or benchmark folder missing or malformed",
    ModelError.exit_code: "answer model missing, unreadable or out of date (rebuild it with qa train)",
    130: "interrupted (Ctrl-C)",
}
