#!/usr/bin/env python3
"""Validates FHIR R4 JSON against HL7's fhir.schema.json (draft-06), then
parses it with an independent R4 model (PyPI fhir.resources 6.4.0, the last
release with R4 as its default) when that is installed; with
FHIR_MODEL_REQUIRED set, a missing model is an error.

Usage: validate.py SCHEMA FILE...  Each FILE is a JSON resource (a Bundle's
entries are validated one by one as well) or NDJSON (one resource a line).
Exits 1 and names the resource on the first invalid one.
"""
import json
import sys

import os

import jsonschema

try:
    from fhir.resources import construct_fhir_element
except ImportError:
    construct_fhir_element = None


def resources(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for doc in docs:
        yield doc
        if doc.get("resourceType") == "Bundle":
            for e in doc.get("entry", []):
                yield e["resource"]


def main():
    schema_path, files = sys.argv[1], sys.argv[2:]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft6Validator(schema)
    if construct_fhir_element is None and os.environ.get("FHIR_MODEL_REQUIRED"):
        print("fhir.resources is not installed", file=sys.stderr)
        sys.exit(1)
    n = 0
    for path in files:
        for r in resources(path):
            errors = sorted(validator.iter_errors(r), key=lambda e: list(e.path))
            if errors:
                name = f"{r.get('resourceType')}/{r.get('id')}"
                for e in errors[:5]:
                    print(f"{path}: {name}: {'/'.join(map(str, e.path))}: {e.message[:300]}", file=sys.stderr)
                sys.exit(1)
            if construct_fhir_element is not None:
                try:
                    construct_fhir_element(r["resourceType"], r)
                except Exception as e:  # the model's own error says what is wrong
                    print(f"{path}: {r.get('resourceType')}/{r.get('id')}: fhir.resources: {e}", file=sys.stderr)
                    sys.exit(1)
            n += 1
    print(f"{n} resources valid")


if __name__ == "__main__":
    main()
