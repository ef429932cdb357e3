"""Serve: the service, the command line, the HTTP API, the chat page."""
