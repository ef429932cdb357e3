"""Human-readable text of an answer, for the terminal.

    答案：每个驻地协调员办公室现在都有五个核心职位，涵盖…
    [1] 《联合国可持续发展集团主席的报告》 第 23 段 · 重振驻地协调员办公室… · E-2020-54#p23
        每个驻地协调员办公室现在都有…
        资料来源：经社部 2019 年驻地协调员调查（脚注 11）

A citation leads with its document and page (``《标题》 第 12 页 · 第 3 段 · …``), or its paragraph and
heading when the page is not known. ``[n]`` is its rank: the order the answer ranks the passages in. No
score is shown: a re-ranked passage keeps its fused retrieval score, which need not fall with the rank.
"""

from __future__ import annotations

from qa.answer.reply import Answer, Citation

KIND_LABEL = {"summary": "摘要", "paragraph": "段", "figure": "图", "box": "框", "table": "表", "note": "注", "cover": "封面"}


def where(c: Citation) -> str:
    """``《标题》 第 12 页 · 第 23 段 · section`` (``第 12 页（印 iv）`` when the printed label differs), or
    ``《标题》 第 23 段 · section`` without a page; ``表 1`` / ``图 5`` / ``摘要`` … for other kinds; an unnumbered
    paragraph on a known page is its page and heading alone.

    >>> from qa.answer.reply import Citation
    >>> where(Citation("d#p9.7", "paragraph", None, "16 如何安装宏包", 9, "…", 1.0, (), {"title": "CTeX FAQ"}, "ix"))
    '《CTeX FAQ》 第 9 页（印 ix） · 16 如何安装宏包'
    """
    if c.kind == "paragraph" and c.number is not None:
        label = f"第 {c.number} 段"
    elif c.kind in ("figure", "table") and c.number is not None:
        label = f"{KIND_LABEL[c.kind]} {c.number}"
    elif c.kind == "box" and c.number is not None:
        label = f"第 {c.number} 段后的框"
    elif c.kind == "paragraph" and c.page:
        label = ""  # an unnumbered paragraph (a PDF's, a Word file's): its page and heading say where
    else:
        label = KIND_LABEL.get(c.kind, c.kind)
    title = (c.doc or {}).get("title")
    head = f"《{title}》 " if title else ""
    rest = " · ".join(p for p in (label, c.section or "—") if p)
    if not c.page:
        return f"{head}{rest}"
    printed = f"（印 {c.page_label}）" if c.page_label and c.page_label != str(c.page) else ""
    return f"{head}第 {c.page} 页{printed} · {rest}"


def answer_text(ans: Answer, color: bool = False, width: int = 160) -> str:
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if color else (lambda s: s)
    lines = []
    written = ans.written
    for notice in (ans.notice, written.notice if written else None):
        if notice:
            lines.append(f"注意：{notice}")
    if written is not None and written.text:
        lines.append(bold(f"答案（{written.model} 撰写，每句已核对）：") + written.text)
        lines.append("摘自报告：" + ans.answer)
    elif ans.abstained:
        lines.append(bold(ans.answer) + " 最接近的段落：")
    else:
        lines.append(bold("答案：") + ans.answer)
    for i, c in enumerate(ans.citations, start=1):
        lines.append(f"[{i}] {where(c)} · {c.id}")
        text = c.text.replace("\n", " ")
        lines.append("    " + (text if len(text) <= width else text[:width] + "…"))
        for s in c.sources:
            label = f"（脚注 {s.footnote}）" if s.footnote else ""
            lines.append(f"    资料来源：{s.text}{label}")
    return "\n".join(lines)


def checks_text(ans: Answer) -> str:
    """``核对：`` — each written sentence with its check, for ``qa ask --write --explain``.

    核对：✓ 每个驻地协调员办公室现在都有五个核心职位[1]。 — ok: cites [1]; …
          ✗ 每个办公室有六个核心职位[1]。 — 六 is not in [1]
    """
    if ans.written is None or not ans.written.sentences:
        return ""
    rows = [f"{'✓' if s.passed else '✗'} {s.text} — {s.check}" for s in ans.written.sentences]
    return "核对：" + "\n      ".join(rows)


def reason_text(ans: Answer) -> str:
    """``为什么：…`` — the answer's reason laid out one clause a line, for ``qa ask --explain``.

    confidence 0.86 ≥ threshold 0.22; sentence from ¶23 (passage ranked 1); for it: a; b
    -> 为什么：confidence 0.86 ≥ threshold 0.22
           sentence from ¶23 (passage ranked 1)
           for it: a
                   b
    """
    lines = []
    for part in ans.reason.split(" | "):
        head, _, rest = part.partition("; for it: ") if "; for it: " in part else part.partition("; against it: ")
        lines += [p.strip() for p in head.split("; ")]
        if rest:
            label = "for it: " if "; for it: " in part else "against it: "
            items = rest.split("; ")
            lines.append(label + items[0])
            lines += [" " * len(label) + i for i in items[1:]]
    return "为什么：" + "\n       ".join(lines)
