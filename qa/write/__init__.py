"""Written answers: an LLM the user runs writes the answer from the retrieved passages, and every sentence is checked.

``prompt`` builds what the model is sent, ``figures`` reads numbers by value, ``verify`` checks one sentence
against the passages it cites, ``writer`` calls the endpoint (``openai``, streamed) and falls back to the
extractive answer when nothing written stands. Used by ``qa.serve`` and ``qa.lab``; builds on ``qa.answer``.

Does not run a model itself, and is never imported when no LLM is set up.
"""
