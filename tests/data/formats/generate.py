"""Record the vcrpy and cassetter fixtures of ``tests/test_formats.py`` for real, against ``tests/stub_server.py``.

Each tool runs in its own throwaway virtualenv with the openai SDK 2.x (it sends through httpx, which both patch):

    python3 -m venv /tmp/vvcr && /tmp/vvcr/bin/pip install vcrpy "openai<3" pyyaml
    python3 -m venv /tmp/vcas && /tmp/vcas/bin/pip install cassetter "openai<3" pyyaml
    python tests/data/formats/generate.py --vcrpy /tmp/vvcr/bin/python --cassetter /tmp/vcas/bin/python

The script serves the stub on 127.0.0.1 (``--port``; the tests read the port back from the files) and has each tool
record one plain and one streamed chat completion into, beside this script:

- ``vcrpy.yaml``: vcrpy's own YAML serializer;
- ``vcrpy_gzip.yaml``: the same with ``x-stub-gzip: 1``, so the plain answer is gzipped and kept as ``!!binary``;
- ``vcrpy_parsed_json.yaml``: vcrpy with a serializer like pydantic-ai's ``tests/json_body_serializer.py``, which
  stores JSON bodies as YAML data under ``parsed_body``;
- ``cassetter.yaml``: cassetter's ``use_cassette``.

The go-vcr fixtures (``govcr_*.yaml``) are written by hand.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from stub_server import StubServer  # noqa: E402

MODEL = "stub-model"
PLAIN_QUESTION = "What is a cassette?"
STREAM_QUESTION = "Stream a short answer"

# Run by each tool's interpreter: argv[1] is a JSON job, ``converse`` makes the two calls through the real SDK.
CLIENT = f"""
import json
import sys

import openai

JOB = json.loads(sys.argv[1])


def converse():
    client = openai.OpenAI(base_url=JOB["base_url"], api_key="sk-recording", default_headers=JOB["headers"])
    messages = [{{"role": "user", "content": {PLAIN_QUESTION!r}}}]
    client.chat.completions.create(model={MODEL!r}, messages=messages)
    messages = [{{"role": "user", "content": {STREAM_QUESTION!r}}}]
    stream = client.chat.completions.create(
        model={MODEL!r}, messages=messages, stream=True, stream_options={{"include_usage": True}}
    )
    for _ in stream:
        pass
"""

VCRPY = (
    CLIENT
    + '''
import types

import vcr
import yaml


class LiteralDumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, as pydantic-ai's serializer writes them."""


LiteralDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\\n" in text else None),
)


def serialize(cassette):
    """Like pydantic-ai's json_body_serializer: headers lower-cased, JSON bodies moved to ``parsed_body`` as data."""
    for interaction in cassette["interactions"]:
        for kind, data in interaction.items():
            data["headers"] = {name.lower(): values for name, values in data.get("headers", {}).items()}
            if any(value.startswith("application/json") for value in data["headers"].get("content-type", [])):
                body = data["body"]["string"] if kind == "response" else data["body"]
                if body:
                    data["parsed_body"] = json.loads(body)
                    del data["body"]
    return yaml.dump(cassette, Dumper=LiteralDumper, allow_unicode=True, width=120)


def deserialize(text):
    cassette = yaml.safe_load(text)
    for interaction in cassette["interactions"]:
        for kind, data in interaction.items():
            if "parsed_body" in data:
                body = json.dumps(data.pop("parsed_body"))
                data["body"] = {"string": body} if kind == "response" else body
    return cassette


recorder = vcr.VCR(record_mode="once", filter_headers=["authorization"])
recorder.register_serializer("parsed_json", types.SimpleNamespace(serialize=serialize, deserialize=deserialize))
with recorder.use_cassette(JOB["path"], serializer=JOB.get("serializer", "yaml")):
    converse()
'''
)

CASSETTER = (
    CLIENT
    + """
from cassetter import use_cassette

with use_cassette(JOB["path"], record_mode="once"):
    converse()
"""
)


def record(python: str, code: str, path: Path, base_url: str, **job: object) -> None:
    path.unlink(missing_ok=True)
    spec = json.dumps({"base_url": base_url, "path": str(path), "headers": {}, **job})
    subprocess.run([python, "-c", code, spec], check=True)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vcrpy", required=True, help="python of a virtualenv with vcrpy and openai<3")
    parser.add_argument("--cassetter", required=True, help="python of a virtualenv with cassetter and openai<3")
    parser.add_argument("--port", type=int, default=47390, help="the stub server's port (default: %(default)s)")
    options = parser.parse_args()
    with StubServer(options.port) as server:
        url = server.base_url
        record(options.vcrpy, VCRPY, HERE / "vcrpy.yaml", url)
        record(options.vcrpy, VCRPY, HERE / "vcrpy_gzip.yaml", url, headers={"x-stub-gzip": "1"})
        record(options.vcrpy, VCRPY, HERE / "vcrpy_parsed_json.yaml", url, serializer="parsed_json")
        record(options.cassetter, CASSETTER, HERE / "cassetter.yaml", url)


if __name__ == "__main__":
    main()
