"""The two outside validators, each run once per batch of resources in a subprocess.

- node + the npm package `fhir` (lantanagroup's FHIR.js, pinned in validator/package.json),
  installed with `npm ci --prefix tests/fhir/validator`;
- fhir.resources 6.4.0's R4 (4.0.1) models, installed apart from healthcamp's environment
  (they need pydantic 1): see requirements-r4.txt.

When one is missing the test fails under CI (CI=true) and is skipped elsewhere, saying how
to install it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "fhir" / "validator"
R4_SCRIPT = ROOT / "tests" / "fhir" / "r4_models.py"
R4_SITE = Path(os.environ.get("HEALTHCAMP_FHIR_R4_SITE", ROOT / ".venv" / "fhir-r4"))
NODE_INSTALL = "npm ci --prefix tests/fhir/validator"
R4_INSTALL = (
    ".venv/bin/python -m pip install --no-deps --target .venv/fhir-r4 "
    "-r tests/fhir/requirements-r4.txt"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Fail under CI (a validator that silently did not run proves nothing); else skip."""
    if in_ci():
        pytest.fail(f"{reason} CI must run the FHIR validators.", pytrace=False)
    pytest.skip(reason)


def node_ready() -> str | None:
    """None when the npm validator can run, else why not and how to fix it."""
    if shutil.which("node") is None:
        return "node is not installed (the npm `fhir` validator needs node 18 or newer)."
    if not (NODE_DIR / "node_modules" / "fhir" / "package.json").is_file():
        return f"The npm `fhir` validator is not installed; run: {NODE_INSTALL}"
    return None


def r4_ready() -> str | None:
    if not (R4_SITE / "fhir" / "resources" / "__init__.py").is_file():
        return f"fhir.resources' R4 models are not installed in {R4_SITE}; run: {R4_INSTALL}"
    return None


def _run(args: list[str], resources: list[dict[str, Any]], env: dict[str, str] | None) -> Any:
    done = subprocess.run(  # fixed programs: node or this Python, and our own scripts
        args,
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def node_validate(resources: list[dict[str, Any]]) -> tuple[str, list[list[str]]]:
    """The npm validator's errors for each resource (warnings and notes are dropped)."""
    found = _run(["node", str(NODE_DIR / "validate.js")], resources, None)
    errors = [
        [
            f"{m.get('location')}: {m.get('message')}"
            for m in result["messages"]
            if m.get("severity") in ("error", "fatal")
        ]
        + ([] if result["valid"] or result["messages"] else ["invalid, without a message"])
        for result in found["results"]
    ]
    return found["validator"], errors


def r4_validate(resources: list[dict[str, Any]]) -> tuple[str, list[list[str]]]:
    env = {"PYTHONPATH": str(R4_SITE), "PATH": os.environ.get("PATH", "")}
    found = _run([sys.executable, "-S", str(R4_SCRIPT)], resources, env)
    return found["validator"], [result["errors"] for result in found["results"]]


def report(name: str, resources: list[dict[str, Any]], errors: list[list[str]]) -> str:
    """The first few failing resources with their errors, for the assertion message."""
    bad = [(r, e) for r, e in zip(resources, errors, strict=True) if e]
    lines = [f"{name}: {len(bad)} of {len(resources)} resources have errors"]
    for resource, problems in bad[:5]:
        lines.append(json.dumps(resource, indent=1)[:2500])
        lines += [f"  - {p}" for p in problems[:20]]
    return "\n".join(lines)
