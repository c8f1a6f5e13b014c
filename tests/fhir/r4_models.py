"""Validate FHIR resources with fhir.resources 6.4.0's R4 (4.0.1) models.

Run as `python -S tests/fhir/r4_models.py` with PYTHONPATH set to the folder that
requirements-r4.txt was installed into (pydantic 1 there, pydantic 2 in healthcamp's
environment, so never in one process). Reads a JSON array of resources on stdin; writes
{"validator": ..., "results": [{"errors": [...]}, ...]} on stdout.
"""

import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def differences(sent, kept, path=""):
    """Where the models' own serialisation differs from what was sent."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        for key in sorted(set(sent) | set(kept)):
            yield from differences(sent.get(key), kept.get(key), f"{path}.{key}")
    elif isinstance(sent, list) and isinstance(kept, list) and len(sent) == len(kept):
        for n, (a, b) in enumerate(zip(sent, kept, strict=True)):
            yield from differences(a, b, f"{path}[{n}]")
    elif _number(sent) and _number(kept):
        if sent != kept:
            yield f"{path}: sent {sent!r}, the R4 model holds {kept!r}"
    elif sent != kept or type(sent) is not type(kept):
        yield f"{path or '.'}: sent {sent!r}, the R4 model holds {kept!r}"


def check(resource):
    try:
        element = construct_fhir_element(resource.get("resourceType", ""), resource)
    except LookupError as error:
        return [str(error)]
    except Exception as error:  # pydantic's ValidationError, reported as text
        return [line for line in str(error).splitlines() if line.strip()]
    # What the models kept must be what was sent: nothing dropped or renamed on the way.
    kept = json.loads(element.json())
    return list(differences(resource, kept))


def main():
    if fhir.resources.__fhir_version__ != "4.0.1":
        raise SystemExit(
            f"fhir.resources {fhir.resources.__version__} is FHIR "
            f"{fhir.resources.__fhir_version__}, not R4 4.0.1"
        )
    resources = json.load(sys.stdin)
    json.dump(
        {
            "validator": f"fhir.resources {fhir.resources.__version__} (FHIR 4.0.1)",
            "results": [{"errors": check(r)} for r in resources],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
