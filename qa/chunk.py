"""The chunk model every document is parsed into, and its JSON form.

A chunk is the unit that is retrieved and cited: the cover, one numbered paragraph, one
summary paragraph, one figure, one boxed list, one table row, or one note.
This module only defines the shape; parsers live in ``qa.report`` (the UN
report layout) and ``qa.corpus`` (plain text, markdown, BEIR ``corpus.jsonl``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

KINDS = ("cover", "summary", "paragraph", "figure", "box", "table", "note")


@dataclass(frozen=True)
class Footnote:
    """A footnote whose marker sat in the chunk's text.

    ``text`` is as printed (``同上。``); ``source`` is resolved to the earlier
    footnote's source and has no trailing full stop (``经社部 2019 年驻地协调员调查``).
    ``offset`` is where the marker stood in the chunk's clean text.
    """

    number: int
    text: str
    source: str
    offset: int = 0


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: "E-2020-54#p23", "E-2020-54#t1r4"
    kind: str  # one of KINDS
    number: int | None  # paragraph number, figure/table number, else None
    section: str | None  # nearest heading above the chunk
    page: int | None  # page in the source, when the page headers tell it
    text: str  # clean text: no headers, URLs, footnote markers or hard wraps
    footnotes: tuple[Footnote, ...] = field(default_factory=tuple)
    doc: str = ""  # source document name (file stem or BEIR title)

    def to_json(self) -> dict:
        data = asdict(self)
        data["footnotes"] = [asdict(f) for f in self.footnotes]
        del data["doc"]
        return data

    @classmethod
    def from_json(cls, data: dict, doc: str = "") -> "Chunk":
        notes = tuple(Footnote(**f) for f in data.get("footnotes") or ())
        return cls(
            id=data["id"],
            kind=data["kind"],
            number=data.get("number"),
            section=data.get("section"),
            page=data.get("page"),
            text=data["text"],
            footnotes=notes,
            doc=data.get("doc", doc),
        )

    def printed(self) -> str:
        """The text with its footnote markers back where the report printed them ("…2.76 亿美元，22")."""
        text = self.text
        for note in sorted(self.footnotes, key=lambda f: f.offset, reverse=True):
            text = f"{text[:note.offset]}{note.number}{text[note.offset:]}"
        return text

    def sources(self) -> list[tuple[int | None, str]]:
        """The data sources behind the chunk's statistics, in order, deduplicated.

        Footnotes give ``(number, source)``; a figure's ``资料来源：…`` line gives
        ``(None, source)``.
        """
        seen: set[str] = set()
        out: list[tuple[int | None, str]] = []
        for note in self.footnotes:
            if note.source not in seen:
                seen.add(note.source)
                out.append((note.number, note.source))
        marker = "资料来源："
        at = self.text.find(marker)
        if at >= 0:
            rest = self.text[at + len(marker):]
            src = rest.split("。")[0].strip()
            if src and src not in seen:
                out.append((None, src))
        return out
