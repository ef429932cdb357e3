"""A domain lexicon: the words, names and English terms of one kind of document, read from a file.

A UN report writes 驻地协调员 and 国家工作队, which jieba's dictionary cuts apart; its
readers ask about "resident coordinators" in English, shorten 驻地协调员 to 驻协, and name
bodies by their short forms (开发署 = 联合国开发计划署). None of that holds for a Wikipedia
passage or a software manual, so it lives in a lexicon file per domain
(``qa/lang/lexicons/<name>.json``), chosen per document (``Document.lexicon``; the UN report
gets ``un``, CMRC none), and an index over several documents uses the union of theirs
(``combine``). The index stores the lexicon it was built with (``qa.search.index``).

    un = Lexicon.load("un")
    un.glossary["resident coordinator"] -> "驻地协调员"
    combine([un, Lexicon.empty()]).name -> "un"

General resources stay general and in code: countries (pycountry), world regions, CC-CEDICT
(``qa.lang.english``), stopwords and question words.

Does not segment, search or answer: the tokenizer, names and abbreviation readers take a lexicon.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Iterable

from qa.errors import LexiconError
from qa.lang.names import LONGEST

NONE = "none"  # the name a user gives for no lexicon (``--lexicon none``)


@dataclass(frozen=True, eq=False)
class Lexicon:
    name: str  # "un"; "" for none; "a+b" for a union
    user_terms: tuple[str, ...] = ()  # words jieba must keep whole (驻地协调员), in the order they are added
    glossary: dict[str, str] = field(default_factory=dict)  # English (lower case, a prefix) -> the Chinese term
    bodies: tuple[tuple[str, ...], ...] = ()  # each body: full name first, then its other names
    cities: tuple[str, ...] = ()  # cities a "which city" question is answered by
    country_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ISO code -> names ISO lacks
    abbreviations: dict[str, str] = field(default_factory=dict)  # a short form readers write -> the term

    @classmethod
    def empty(cls) -> "Lexicon":
        """No domain words: jieba's dictionary, pycountry's countries and CC-CEDICT only."""
        return cls("")

    @classmethod
    def load(cls, name: str) -> "Lexicon":
        """The lexicon ``qa/lang/lexicons/<name>.json``; ``none`` (or "") is ``empty()``.

        >>> Lexicon.load("un").glossary["country team"], Lexicon.load("none").user_terms
        ('国家工作队', ())
        """
        if name in (NONE, ""):
            return cls.empty()
        if name not in available():
            raise LexiconError(f"no lexicon named {name!r}; use one of: {', '.join((*available(), NONE))}")
        return _load(name)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Lexicon":
        """A lexicon from its JSON form (a lexicon file, or ``to_json``); ``LexiconError`` if malformed."""
        try:
            lex = cls(
                name=str(data.get("name", "")),
                user_terms=tuple(data.get("user_terms", ())),
                glossary=dict(data.get("glossary", {})),
                bodies=tuple(tuple(g) for g in data.get("bodies", ())),
                cities=tuple(data.get("cities", ())),
                country_forms={k: tuple(v) for k, v in data.get("country_forms", {}).items()},
                abbreviations=dict(data.get("abbreviations", {})),
            )
        except (TypeError, ValueError, AttributeError) as e:
            raise LexiconError(f"lexicon {data.get('name')!r} is malformed ({e})") from None
        problems = lex.problems()
        if problems:
            raise LexiconError(f"lexicon {lex.name!r} is malformed: {problems[0]}")
        return lex

    @cached_property
    def key(self) -> str:
        """The name with a digest of the entries ("un@3f2a…"; "" for none): what an index built with it keys its
        segments by, so that an edited lexicon file is not answered with segments cut by the old one."""
        if not self.name and not self.user_terms:
            return ""
        body = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")
        return f"{self.name}@{hashlib.sha256(body).hexdigest()[:12]}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "user_terms": list(self.user_terms), "glossary": dict(self.glossary),
                "bodies": [list(g) for g in self.bodies], "cities": list(self.cities),
                "country_forms": {k: list(v) for k, v in self.country_forms.items()},
                "abbreviations": dict(self.abbreviations)}

    def problems(self) -> list[str]:
        """What is wrong with the entries (empty when every one is well-formed).

        >>> Lexicon("x", user_terms=("驻地协调员", " "), glossary={"UN": "联合国"}).problems()
        ["user term ' ' is not a word", "glossary key 'UN' is not lower case"]
        """
        out: list[str] = []
        words = [("user term", w) for w in self.user_terms] + [("city", c) for c in self.cities]
        words += [("body name", n) for g in self.bodies for n in g]
        words += [(f"country form of {k}", n) for k, v in self.country_forms.items() for n in v]
        out += [f"{what} {w!r} is not a word" for what, w in words if not isinstance(w, str) or not w.strip()
                or w != w.strip()]
        for en, zh in self.glossary.items():
            if not isinstance(en, str) or not en.strip() or en != en.lower().strip():
                out.append(f"glossary key {en!r} is not lower case")
            if not isinstance(zh, str) or not zh.strip():
                out.append(f"glossary entry {en!r} has no Chinese")
        out += [f"body {g!r} has no name" for g in self.bodies if not g]
        out += [f"body name {n!r} is longer than {LONGEST} characters (never found)" for g in self.bodies for n in g
                if isinstance(n, str) and len(n) > LONGEST]
        out += [f"country code {k!r} is not ISO alpha-2" for k in self.country_forms if not (len(k) == 2 and k.isupper())]
        for short, term in self.abbreviations.items():
            if not (isinstance(short, str) and isinstance(term, str) and 2 <= len(short) < len(term)):
                out.append(f"abbreviation {short!r} -> {term!r} is not shorter than its term")
        return out

    def __repr__(self) -> str:
        return f"Lexicon({self.name or NONE!r})"


def combine(lexicons: Iterable[Lexicon]) -> Lexicon:
    """One lexicon for an index over several documents: the union of theirs, the first one's entry winning
    where two disagree; named by their names joined with ``+`` (empty ones add nothing).

    >>> a = Lexicon("a", user_terms=("甲乙",), glossary={"x": "甲"}, cities=("纽约",))
    >>> b = Lexicon("b", user_terms=("丙丁", "甲乙"), glossary={"x": "丙", "y": "丁"}, cities=("纽约", "北京"))
    >>> c = combine([a, Lexicon.empty(), b, a])
    >>> c.name, c.user_terms, c.glossary, c.cities
    ('a+b', ('甲乙', '丙丁'), {'x': '甲', 'y': '丁'}, ('纽约', '北京'))
    >>> combine([]).name, combine([a]) is a
    ('', True)
    """
    parts: list[Lexicon] = []
    for lex in lexicons:
        if lex.name and all(lex.name != p.name for p in parts):
            parts.append(lex)
    if len(parts) <= 1:
        return parts[0] if parts else Lexicon.empty()
    forms: dict[str, tuple[str, ...]] = {}
    for lex in parts:
        for code, names in lex.country_forms.items():
            forms[code] = tuple(dict.fromkeys((*forms.get(code, ()), *names)))
    return Lexicon(
        name="+".join(lex.name for lex in parts),
        user_terms=tuple(dict.fromkeys(t for lex in parts for t in lex.user_terms)),
        glossary=_first_wins(lex.glossary for lex in parts),
        bodies=tuple(dict.fromkeys(g for lex in parts for g in lex.bodies)),
        cities=tuple(dict.fromkeys(c for lex in parts for c in lex.cities)),
        country_forms=forms,
        abbreviations=_first_wins(lex.abbreviations for lex in parts),
    )


def _first_wins(tables: Iterable[dict[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for table in tables:
        for k, v in table.items():
            out.setdefault(k, v)
    return out


def named(names: str | None) -> Lexicon:
    """The lexicon a setting names: ``un``, ``none``, or several joined with ``+`` or ``,`` (``un+other``)."""
    if not names or names == NONE:
        return Lexicon.empty()
    return combine(Lexicon.load(n.strip()) for n in names.replace(",", "+").split("+") if n.strip())


def available() -> tuple[str, ...]:
    """The names of the lexicon files shipped in ``qa/lang/lexicons``."""
    folder = resources.files("qa.lang") / "lexicons"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


@lru_cache(maxsize=8)
def _load(name: str) -> Lexicon:
    path = resources.files("qa.lang") / "lexicons" / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LexiconError(f"{path}: cannot read the lexicon ({e}); reinstall qa") from None
    lex = Lexicon.from_json(data)
    if lex.name != name:
        raise LexiconError(f"{path}: names itself {lex.name!r}, not {name!r}")
    return lex
