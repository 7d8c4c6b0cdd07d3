"""``python -m pytest_llmcassette`` (or ``llm-cassette``): convert other tools' cassettes, check any cassette.

convert PATH... [--out DIR] [--force] [--check]          write this plugin's format; sources are never touched
check PATH... [-v] [--only-cassettes] [--allow-pattern]  report unreadable cassettes and secret-shaped values

A folder stands for the ``*.yaml``/``*.yml`` files under it, hidden ones left out. A YAML file found in a folder
that is clearly not a cassette is skipped, unless it starts with this plugin's header or lies in a ``cassettes``
folder; a file named on the command line is always read (unless ``--only-cassettes``, for pre-commit, which names
every staged YAML file).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _scrub
from ._errors import CassetteFormatError
from ._model import Recording
from ._words import counted
from .formats import load_document, native, recording_of

_SKIP = object()  # what ``_document`` gives for a file to leave out: clearly not a cassette
_CASSETTE_KEY = re.compile(rb"^(interactions|llm_cassette):", re.M)
_INTERACTION = re.compile(r"interactions\[(\d+)\]\.?")
_HEADER = native.HEADER.splitlines()[0].encode()  # what this plugin writes first: the file is a cassette, however cut
_CASSETTES = "cassettes"  # the default cassette folder of this plugin and of pytest-recording: all YAML there is one


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read: ``name`` is its path under the folder it was found in; ``named`` is false for a file found
    in a folder (or named with ``--only-cassettes``), which is skipped when it is clearly not a cassette, unless it
    starts with this plugin's header or lies in a folder named ``cassettes``."""

    path: Path
    name: Path
    named: bool

    @property
    def in_cassettes(self) -> bool:
        """Whether a folder on the path, as given on the command line or below it, is named ``cassettes``."""
        return _CASSETTES in self.path.parts[:-1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llm-cassette", description=__doc__.split("\n\n")[0].replace("``", ""))
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser("convert", help="write cassettes of any supported format in this plugin's format")
    convert.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cassette files and folders")
    convert.add_argument("--out", type=Path, help="folder for the results (default: beside each source, *.llm.yaml)")
    convert.add_argument("--force", action="store_true", help="replace result files that already exist")
    convert.add_argument("--check", action="store_true", help="only read the sources; write nothing")
    check = commands.add_parser("check", help="report cassettes that cannot be read or hold a secret-shaped value")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cassette files and folders")
    check.add_argument("-v", "--verbose", action="store_true", help="also list each cassette that is fine")
    check.add_argument(
        "--only-cassettes", action="store_true", help="skip named files that are not cassettes, as in folders"
    )
    for command in (convert, check):
        command.add_argument(
            "--allow-pattern",
            action="append",
            default=[],
            choices=sorted(_scrub.SECRET_PATTERNS),
            metavar="NAME",
            help="a secret pattern to ignore (a false positive); repeatable. Names: %(choices)s",
        )
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        {"convert": convert, "check": check}[args.command].error(f"no such file or folder: {', '.join(missing)}")
    sources = list(_sources(args.paths, named=not (args.command == "check" and args.only_cassettes)))
    if args.command == "check":
        return _check(sources, args.allow_pattern, args.verbose)
    return _convert_all(sources, args.out, args.force, args.check, args.allow_pattern)


def _check(sources: list[Source], allowed: list[str], verbose: bool) -> int:
    """Print one line per problem and a summary; 1 when there is any problem."""
    checked = skipped = problems = 0
    secrets = _scrub.environment_values()
    for source in sources:
        result = _problems(source, secrets, allowed)
        if result is None:
            skipped += 1
            continue
        found, recording = result
        checked += 1
        problems += len(found)
        for line in found:
            print(line)
        if verbose and recording is not None and not found:
            print(_ok(recording))
    others = f" ({counted(skipped, 'other YAML file')} skipped)" if skipped else ""
    outcome = counted(problems, "problem") if problems else "no problems"
    print(f"checked {counted(checked, 'cassette')}{others}: {outcome}")
    return 1 if problems else 0


def _problems(source: Source, secrets: set[str], allowed: list[str]) -> tuple[list[str], Recording | None] | None:
    """What is wrong with one file, and its recording when it can be read; None for a file to skip.

    A document that YAML reads is searched for secrets even when it is no valid cassette. The known secrets are
    the API-key environment variables' values and the credential headers a foreign cassette may have kept.
    """
    try:
        document = _document(source.path, source.named or source.in_cassettes or _has_header(source.path))
    except CassetteFormatError as error:
        return [_unreadable(error)], None
    if document is _SKIP:
        return None
    found, recording = [], None
    try:
        recording = recording_of(document, source.path)
    except CassetteFormatError as error:
        found.append(_unreadable(error))
    else:
        secrets = secrets | {v for i in recording.interactions for v in _scrub.credential_values(i.request.headers)}
    found += [f"{source.path}: {_where(f)}" for f in _scrub.find_secrets(document, secrets, allowed)]
    return found, recording


def _convert_all(sources: list[Source], out: Path | None, force: bool, check_only: bool, allowed: list[str]) -> int:
    failures = 0
    for source in sources:
        try:
            document = _document(source.path, source.named)
            if document is _SKIP:
                continue
            recording = recording_of(document, source.path)
        except CassetteFormatError as error:
            print(error.msg, file=sys.stderr)
            failures += 1
            continue
        if recording.is_native and not source.named:
            continue  # already in this plugin's format, such as what an earlier convert of the folder wrote
        if check_only:
            print(_ok(recording))
            continue
        target = out / source.name if out is not None else source.path.with_name(f"{source.path.stem}.llm.yaml")
        failures += not _convert(recording, target, force, allowed)
    return 1 if failures else 0


def _convert(recording: Recording, target: Path, force: bool, allowed: Iterable[str]) -> bool:
    source = recording.path
    if target.resolve() == source.resolve():
        print(f"error: {target} would replace its source; choose another --out", file=sys.stderr)
        return False
    if target.exists() and not force:
        print(f"error: {target} exists; pass --force to replace it", file=sys.stderr)
        return False
    rules, secrets = _scrub.ScrubRules(), _scrub.environment_values()
    scrubbed = [
        _scrub.interaction(i, rules, secrets | _scrub.credential_values(i.request.headers))
        for i in recording.interactions
    ]
    documents = native.to_documents(i for i in scrubbed if i is not None)
    findings = [
        f"  interaction {position}, {finding}"
        for position, document in enumerate(documents)
        for finding in _scrub.find_secrets(document, secrets, allowed)
    ]
    if findings:
        print(
            f"error: not writing {target}: values still look secret (false positive: --allow-pattern)", file=sys.stderr
        )
        print("\n".join(findings), file=sys.stderr)
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(native.write(documents), encoding="utf-8")
    print(f"converted: {source} ({recording.format}) -> {target}")
    return True


def _sources(paths: Iterable[Path], named: bool) -> Iterator[Source]:
    """The files the paths stand for, each once: a folder's YAML files, sorted, hidden files and folders left out."""
    seen = set()
    for path in paths:
        found = (
            (Source(file, file.relative_to(path), False) for file in _walk(path))
            if path.is_dir()
            else [Source(path, Path(path.name), named)]
        )
        for source in found:
            if source.path.resolve() not in seen:
                seen.add(source.path.resolve())
                yield source


def _walk(folder: Path) -> Iterator[Path]:
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.endswith((".yaml", ".yml")):
                yield Path(root, name)


def _has_header(path: Path) -> bool:
    """Whether the file starts with the comment this plugin writes first; true if it cannot be opened (to say so)."""
    try:
        with path.open("rb") as file:
            return file.read(len(_HEADER)) == _HEADER
    except OSError:
        return True


def _document(path: Path, strict: bool) -> Any:
    """The file's YAML document; unless ``strict``, ``_SKIP`` for a file that is clearly not a cassette: YAML
    without ``interactions`` or ``llm_cassette``, or a file that is not YAML and has neither key at a line's start."""
    try:
        document = load_document(path)
    except CassetteFormatError:
        if not strict and not _CASSETTE_KEY.search(path.read_bytes()):
            return _SKIP
        raise
    is_cassette = isinstance(document, Mapping) and ("interactions" in document or "llm_cassette" in document)
    return document if is_cassette or strict else _SKIP


def _ok(recording: Recording) -> str:
    return f"ok: {recording.path} ({recording.format}, {counted(len(recording.interactions), 'interaction')})"


def _unreadable(error: CassetteFormatError) -> str:
    where = "" if error.index is None else f" interaction {error.index}"
    return f"{error.path}: cannot read{where}: {' '.join(error.problem.split())}"  # one line, as YAML errors are not


def _where(finding: str) -> str:
    """``interactions[3].response.text: ...`` as ``interaction 3, response.text: ...``."""
    match = _INTERACTION.match(finding)
    return f"interaction {match[1]}, {finding[match.end() :]}" if match else finding


if __name__ == "__main__":
    sys.exit(main())
