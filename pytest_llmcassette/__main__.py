"""``python -m pytest_llmcassette`` (or ``llm-cassette``): convert other tools' cassettes, check any cassette.

convert SRC... [--out DIR] [--force]   write this plugin's format; sources are never touched
check SRC...                           read every file, report what cannot be read
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import _scrub
from ._errors import CassetteFormatError
from ._model import Recording
from .formats import native, read_recording


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llm-cassette", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser("convert", help="write cassettes of any supported format in this plugin's format")
    convert.add_argument("sources", nargs="+", type=Path, metavar="SRC")
    convert.add_argument("--out", type=Path, help="folder for the results (default: beside each source, *.llm.yaml)")
    convert.add_argument("--force", action="store_true", help="replace result files that already exist")
    convert.add_argument("--check", action="store_true", help="only read the sources; write nothing")
    check = commands.add_parser("check", help="read cassettes of any supported format and report problems")
    check.add_argument("sources", nargs="+", type=Path, metavar="SRC")
    args = parser.parse_args(argv)

    failures = 0
    for source in args.sources:
        try:
            recording = read_recording(source)
        except CassetteFormatError as error:
            print(error.msg, file=sys.stderr)
            failures += 1
            continue
        if args.command == "check" or args.check:
            print(f"ok: {source} ({recording.format}, {len(recording.interactions)} interactions)")
            continue
        failures += not _convert(recording, args.out, args.force)
    return 1 if failures else 0


def _convert(recording: Recording, out: Path | None, force: bool) -> bool:
    source = recording.path
    target = out / source.name if out is not None else source.with_name(f"{source.stem}.llm.yaml")
    if target.resolve() == source.resolve():
        print(f"error: {target} would replace its source; choose another --out", file=sys.stderr)
        return False
    if target.exists() and not force:
        print(f"error: {target} exists; pass --force to replace it", file=sys.stderr)
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    rules, secrets = _scrub.ScrubRules(), _scrub.environment_values()
    scrubbed = [
        _scrub.interaction(i, rules, secrets | _scrub.credential_values(i.request.headers))
        for i in recording.interactions
    ]
    target.write_text(native.write(native.to_documents(i for i in scrubbed if i is not None)), encoding="utf-8")
    print(f"converted: {source} ({recording.format}) -> {target}")
    return True


if __name__ == "__main__":
    sys.exit(main())
