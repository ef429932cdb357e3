"""Ingest: files in, ``Document`` objects out (the document contract is ``qa.ingest.document``)."""
