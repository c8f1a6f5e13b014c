"""Checks of an exported Bundle that the two outside validators do not make.

- Bundle rules: urn:uuid fullUrls that are real, unique UUIDs agreeing with the resource
  ids; every reference resolves inside the Bundle (or the resource's contained ones) and
  names the kind of resource it points at.
- FHIR R4 primitive formats, anchored (the npm validator's regexes are not).
- R4's vital-signs profiles (http://hl7.org/fhir/R4/observation-vitalsigns.html): category
  vital-signs, a LOINC code, subject a Patient, effective[x] to at least the day, a value
  or a data-absent reason (vs-2), valueQuantity with value, unit, UCUM system and the
  profile's UCUM code; the BP panel with one systolic and one diastolic component in
  mm[Hg] (or a data-absent reason, vs-3) and no value of its own.
- Observation invariants obs-6 and obs-7, and the HL7 code systems of interpretation and
  data-absent reason.

Each check returns a list of readable problems; [] means none.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from typing import Any

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PROFILE = "http://hl7.org/fhir/StructureDefinition/"

# From the FHIR R4 datatypes page, anchored.
YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
ZONE = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
DATE = re.compile(rf"^{YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$")
DATE_TIME = re.compile(
    rf"^{YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T{TIME}{ZONE})?)?)?$"
)
DAY_OR_FINER = re.compile(rf"^{YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])")
INSTANT = re.compile(rf"^{YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T{TIME}{ZONE}$")
ID = re.compile(r"^[A-Za-z0-9\-\.]{1,64}$")
DATE_FIELDS = {"birthDate"}
DATE_TIME_FIELDS = {
    "effectiveDateTime",
    "authoredOn",
    "dateTime",
    "start",
    "end",
    "verificationDate",
    "creation",
}
INSTANT_FIELDS = {"recorded", "lastUpdated"}

# UCUM codes the R4 vital-signs profiles fix for each LOINC code (waist: the body
# length units of bodyheight).
VITAL_UNITS = {
    "85354-9": {"mm[Hg]"},
    "8480-6": {"mm[Hg]"},
    "8462-4": {"mm[Hg]"},
    "8867-4": {"/min"},
    "8302-2": {"cm", "[in_i]"},
    "29463-7": {"kg", "g", "[lb_av]"},
    "39156-5": {"kg/m2"},
    "56115-9": {"cm", "[in_i]"},
}
VITAL_PROFILES = {
    "85354-9": "bp",
    "8867-4": "heartrate",
    "8302-2": "bodyheight",
    "29463-7": "bodyweight",
    "39156-5": "bmi",
}
STATUSES = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every key of every object below node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _references(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Reference (an object with a `reference`) below node, with its path."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield path, node
        for key, value in node.items():
            yield from _references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _references(value, f"{path}[{i}]")


def bundle_rules(bundle: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    kinds: dict[str, str] = {}
    for n, entry in enumerate(bundle.get("entry", [])):
        url, resource = entry.get("fullUrl", ""), entry.get("resource", {})
        if not url.startswith("urn:uuid:"):
            problems.append(f"entry[{n}]: fullUrl {url!r} is not a urn:uuid")
            continue
        try:
            parsed = uuid.UUID(url.removeprefix("urn:uuid:"))
        except ValueError:
            problems.append(f"entry[{n}]: {url!r} is not a UUID")
            continue
        if str(parsed) != url.removeprefix("urn:uuid:"):
            problems.append(f"entry[{n}]: {url!r} is not in the UUID's canonical form")
        if url in kinds:
            problems.append(f"entry[{n}]: fullUrl {url} appears twice")
        if resource.get("id") != str(parsed):
            problems.append(f"entry[{n}]: id {resource.get('id')!r} disagrees with {url}")
        kinds[url] = resource.get("resourceType", "")
    for n, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource", {})
        contained = {c.get("id"): c.get("resourceType") for c in resource.get("contained", [])}
        where = f"entry[{n}] {resource.get('resourceType')}"
        for path, value in _references(resource, where):
            ref = value["reference"]
            target = contained.get(ref[1:]) if ref.startswith("#") else kinds.get(ref)
            if target is None:
                problems.append(f"{path}: {ref!r} resolves to nothing in the Bundle")
            if "type" not in value:
                problems.append(f"{path}: reference {ref!r} does not say its type")
            elif target is not None and value["type"] != target:
                problems.append(f"{path}: says {value['type']} but {ref} is a {target}")
    return problems


def primitive_formats(resource: dict[str, Any], where: str = "") -> list[str]:
    problems: list[str] = []
    for path, key, value in _walk(resource, where or resource.get("resourceType", "")):
        if key in DATE_FIELDS and not (isinstance(value, str) and DATE.match(value)):
            problems.append(f"{path}.{key}: {value!r} is not a FHIR date")
        if key in DATE_TIME_FIELDS and not (isinstance(value, str) and DATE_TIME.match(value)):
            problems.append(f"{path}.{key}: {value!r} is not a FHIR dateTime")
        if key in INSTANT_FIELDS and not (isinstance(value, str) and INSTANT.match(value)):
            problems.append(f"{path}.{key}: {value!r} is not a FHIR instant")
        if key == "id" and not (isinstance(value, str) and ID.match(value)):
            problems.append(f"{path}.{key}: {value!r} is not a FHIR id")
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{path}.{key}: {value} is not a JSON number")
    return problems


def _codes(concept: dict[str, Any] | None, system: str) -> list[str]:
    return [c.get("code") for c in (concept or {}).get("coding", []) if c.get("system") == system]


def _quantity(q: dict[str, Any], code: str, where: str) -> list[str]:
    problems = []
    for part in ("value", "unit", "system", "code"):
        if part not in q:
            problems.append(f"{where}: valueQuantity has no {part} (vital signs need all four)")
    if q.get("system") != UCUM:
        problems.append(f"{where}: valueQuantity.system {q.get('system')!r} is not UCUM")
    allowed = VITAL_UNITS.get(code)
    if allowed and q.get("code") not in allowed:
        problems.append(f"{where}: unit {q.get('code')!r} is not one of {sorted(allowed)}")
    if not isinstance(q.get("value"), int | float) or isinstance(q.get("value"), bool):
        problems.append(f"{where}: value {q.get('value')!r} is not a number")
    return problems


def vital_signs(observation: dict[str, Any], where: str = "Observation") -> list[str]:
    """R4 vital-signs profile rules, for an Observation whose category is vital-signs."""
    problems: list[str] = []
    categories = [c for cat in observation.get("category", []) for c in _codes(cat, CATEGORY)]
    if "vital-signs" not in categories:
        return [f"{where}: no vital-signs category"]
    if observation.get("status") not in STATUSES:
        problems.append(f"{where}: status {observation.get('status')!r}")
    loinc = _codes(observation.get("code"), LOINC)
    if not loinc:
        return [*problems, f"{where}: code has no LOINC coding"]
    code = loinc[0]
    subject = observation.get("subject", {})
    if subject.get("type") != "Patient" or not subject.get("reference"):
        problems.append(f"{where}: subject {subject!r} is not a Patient")
    effective = observation.get("effectiveDateTime") or observation.get("effectivePeriod", {}).get(
        "start"
    )
    if not (isinstance(effective, str) and DAY_OR_FINER.match(effective)):
        problems.append(f"{where}: effective[x] {effective!r} is not at least a day (vs-1)")
    profile = PROFILE + VITAL_PROFILES.get(code, "vitalsigns")
    if profile not in observation.get("meta", {}).get("profile", []):
        problems.append(f"{where}: does not claim {profile}")
    has_value = any(k.startswith("value") for k in observation)
    components = observation.get("component", [])
    if not (components or observation.get("hasMember")) and not (
        has_value or "dataAbsentReason" in observation
    ):
        problems.append(f"{where}: neither a value nor a data-absent reason (vs-2)")
    if "valueQuantity" in observation:
        problems += _quantity(observation["valueQuantity"], code, f"{where}.valueQuantity")
    elif has_value:
        problems.append(f"{where}: a vital sign's value is a Quantity")
    return problems + _components(observation, code, where)


def _components(observation: dict[str, Any], code: str, where: str) -> list[str]:
    """vs-3 for every component; the BP profile's two components and no value of its own."""
    problems = []
    components = observation.get("component", [])
    for n, component in enumerate(components):
        at = f"{where}.component[{n}]"
        part = _codes(component.get("code"), LOINC)
        if "valueQuantity" in component:
            problems += _quantity(component["valueQuantity"], part[0] if part else "", at)
        elif "dataAbsentReason" not in component:
            problems.append(f"{at}: neither a value nor a data-absent reason (vs-3)")
    if code == "85354-9":
        parts = [c for comp in components for c in _codes(comp.get("code"), LOINC)]
        if sorted(parts) != ["8462-4", "8480-6"]:
            problems.append(f"{where}: BP components are {parts}, not one 8480-6 and one 8462-4")
        if any(k.startswith("value") for k in observation):
            problems.append(f"{where}: a BP panel carries its values in components only")
    return problems


def observation_rules(observation: dict[str, Any], where: str = "Observation") -> list[str]:
    problems = []
    has_value = any(k.startswith("value") for k in observation)
    if has_value and "dataAbsentReason" in observation:
        problems.append(f"{where}: a value and a data-absent reason (obs-6)")
    code = set(_codes(observation.get("code"), LOINC))
    for component in observation.get("component", []):
        if code & set(_codes(component.get("code"), LOINC)) and has_value:
            problems.append(f"{where}: a component repeats the code and a value is given (obs-7)")
    for interpretation in observation.get("interpretation", []):
        for c in interpretation.get("coding", []):
            if (
                c.get("system")
                != "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
            ):
                problems.append(f"{where}: interpretation system {c.get('system')!r}")
    if "dataAbsentReason" in observation:
        systems = {c.get("system") for c in observation["dataAbsentReason"].get("coding", [])}
        if systems != {"http://terminology.hl7.org/CodeSystem/data-absent-reason"}:
            problems.append(f"{where}: data-absent reason systems {systems}")
    for n, ranges in enumerate(observation.get("referenceRange", [])):
        if not ({"low", "high", "text"} & set(ranges)):
            problems.append(f"{where}.referenceRange[{n}]: no low, high or text (obs-3)")
    categories = [c for cat in observation.get("category", []) for c in _codes(cat, CATEGORY)]
    if "vital-signs" in categories:
        problems += vital_signs(observation, where)
    return problems


def all_rules(bundle: dict[str, Any]) -> list[str]:
    problems = bundle_rules(bundle)
    for n, entry in enumerate(bundle.get("entry", [])):
        resource = entry["resource"]
        where = f"entry[{n}] {resource.get('resourceType')}"
        problems += primitive_formats(resource, where)
        if resource.get("resourceType") == "Observation":
            problems += observation_rules(resource, where)
    return problems
