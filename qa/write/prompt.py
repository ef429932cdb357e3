"""What the LLM is sent: the question, the retrieved passages numbered ``[1]…[k]``, and the extractive answer as a hint.

    passages(answer.citations)[0].header  -> "[1] E-2020-54 · paragraph 23 · 重振驻地协调员办公室… · page unknown"
    messages(question, passages, hint)    -> [{"role": "system", …}, {"role": "user", …}]

The passages are the ones the extractive answer cites, in its order, each shown with its
document, paragraph (or figure, table …), section and page, and the sources of its figures.
What is shown is what a written sentence is checked against (``qa.write.verify``): a passage
cut at ``MAX_PASSAGE_CHARS`` is checked as cut.

Does not call the model (``qa.write.writer`` does), and does not pass the chat history:
a follow-up reaches it already rewritten as a whole question.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.reply import NO_ANSWER

MAX_PASSAGE_CHARS = 1500  # a longer passage is cut (with …); five of them stay well inside a small model's context

SYSTEM = f"""You answer questions about documents, using only the numbered passages the user gives you.

Rules:
1. End every sentence with the numbers of the passages it comes from, in square brackets: 。[1] or 。[1][3].
2. State only what the passages you cite say. Copy every number exactly as the passage writes it: no rounding,
   no converting units, no sums or differences of your own.
3. Write in the language of the passages, in at most five short sentences, as plain text (no headings, no lists).
4. If the passages do not answer the question, reply with exactly this and nothing else: {NO_ANSWER}"""


@dataclass(frozen=True)
class Passage:
    n: int  # its number in the prompt: [n]
    id: str  # chunk id: E-2020-54#p23
    document: str  # E-2020-54
    label: str  # paragraph 23 · section · page 12
    text: str  # the passage as shown, its sources' lines included

    @property
    def header(self) -> str:
        return f"[{self.n}] {self.document} · {self.label}"


def passages(citations) -> list[Passage]:
    """The cited passages of an answer (``qa.answer.Citation``), numbered from 1 in their order."""
    out = []
    for n, c in enumerate(citations, start=1):
        text = c.text if len(c.text) <= MAX_PASSAGE_CHARS else c.text[:MAX_PASSAGE_CHARS] + "…"
        sources = [f"资料来源：{s.text}" + (f"（脚注 {s.footnote}）" if s.footnote else "") for s in c.sources]
        out.append(Passage(n, c.id, c.id.split("#", 1)[0], label(c), "\n".join([text, *sources])))
    return out


def label(c) -> str:
    """Where a passage sits, as the prompt shows it.

    >>> from qa.answer.reply import Citation
    >>> label(Citation("E#p23", "paragraph", 23, "重振驻地协调员办公室", None, "…", 1.0, ()))
    'paragraph 23 · 重振驻地协调员办公室 · page unknown'
    """
    kind = f"{c.kind} {c.number}" if c.number is not None else c.kind
    return " · ".join([kind, c.section or "—", f"page {c.page}" if c.page else "page unknown"])


def messages(question: str, shown: list[Passage], hint: str | None = None) -> list[dict]:
    """The chat messages for ``question`` over the passages ``shown``; ``hint`` is the extractive answer, if any."""
    body = "\n\n".join(f"{p.header}\n{p.text}" for p in shown)
    parts = [f"Passages:\n\n{body}"]
    if hint:
        parts.append(f"A sentence taken from the passages that may answer the question (a hint; it may be incomplete):\n{hint}")
    parts.append(f"Question: {question}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]
