#!/usr/bin/env python3
"""Validates a FHIR R4 Bundle read as JSON on stdin.

Run it with the python that scripts/fhir-venv.sh prints. Prints
"valid FHIR R4 Bundle: N entries", or the problems on stderr and exits 1.

Three layers, because the models alone let some invalid things through:
1. fhir.resources (pydantic models generated from the R4 4.0.1 definitions) parses
   the Bundle and, through it, every entry's resource: element names, types,
   cardinality and required elements.
2. A strict pass over the same JSON, guided by those models' field types:
   every primitive must match its R4 pattern in full (the library only checks a
   prefix, so "2025-01-06T14:00:00" with no zone passes it), codes with a
   required binding must come from it, and no element may be empty (ele-1).
3. The R4 invariants a document relies on that the models do not check: bdl-7,
   bdl-9, bdl-10, bdl-11, every reference resolving inside the document,
   narrative as well-formed XHTML without active content (txt-1, txt-2), cmp-1,
   cmp-2 and ppc-1.
"""

import json
import re
import sys
import xml.etree.ElementTree as ElementTree

import fhir.resources
from fhir.resources import fhirtypes, get_fhir_model_class
from fhir.resources.bundle import Bundle
from pydantic import ValidationError

# R4 primitive value patterns (http://hl7.org/fhir/R4/datatypes.html). base64Binary
# is written in its linear form: the spec's nested repetition backtracks badly.
PATTERNS = {
    name: re.compile(pattern)
    for name, pattern in {
        "base64Binary": r"\s*([0-9a-zA-Z+/=]{4}\s*)+",
        "canonical": r"\S*",
        "code": r"[^\s]+(\s[^\s]+)*",
        "date": r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?",
        "dateTime": r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?",
        "id": r"[A-Za-z0-9\-\.]{1,64}",
        "instant": r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
        "markdown": r"[ \r\n\t\S]+",
        "oid": r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+",
        "string": r"[ \r\n\t\S]+",
        "time": r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?",
        "uri": r"\S*",
        "url": r"\S*",
        "uuid": r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    }.items()
}
UUID_URL = PATTERNS["uuid"]

XHTML = "{http://www.w3.org/1999/xhtml}"
# txt-1: the basic formatting elements of HTML 4.0 chapters 7-11 and 15, links and images.
NARRATIVE_ELEMENTS = set(
    "a abbr acronym address b bdo big blockquote br caption cite code col colgroup dd del dfn div dl dt em "
    "h1 h2 h3 h4 h5 h6 hr i img ins kbd li ol p pre q samp small span strong sub sup table tbody td tfoot th "
    "thead tr tt ul var".split()
)


def main() -> int:
    if fhir.resources.__fhir_version__ != "4.0.1":
        print(f"validate-fhir: fhir.resources models FHIR {fhir.resources.__fhir_version__}, not R4 4.0.1; "
              "run scripts/fhir-venv.sh", file=sys.stderr)
        return 2
    try:
        bundle = json.load(sys.stdin)
    except json.JSONDecodeError as error:
        return fail([f"not JSON: {error}"])
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return fail(["not a Bundle: resourceType must be \"Bundle\""])

    try:
        Bundle.parse_obj(bundle)
    except ValidationError as error:
        return fail([f"the R4 models reject it:\n{error}"])

    problems: list[str] = []
    check_element(bundle, Bundle, "Bundle", problems)
    check_not_empty(bundle, "Bundle", problems)
    check_document(bundle, problems)
    if problems:
        return fail(problems)
    print(f"valid FHIR R4 Bundle: {len(bundle.get('entry', []))} entries")
    return 0


def fail(problems: list[str]) -> int:
    print("invalid FHIR R4 Bundle:", file=sys.stderr)
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    return 1


# ---- layer 2: primitives and required bindings, guided by the models ---------------


def check_element(element: dict, model, path: str, problems: list[str]) -> None:
    fields = {field.alias: field for field in model.__fields__.values()}
    for key, value in element.items():
        if key == "resourceType" or key.startswith("_") or key not in fields:
            continue  # primitive extensions, and names the models already refused
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values):
            where = f"{path}.{key}" + (f"[{index}]" if isinstance(value, list) else "")
            check_value(item, fields[key], where, problems)


def check_value(item, field, where: str, problems: list[str]) -> None:
    field_type = field.type_
    if not isinstance(field_type, type):
        return
    if issubclass(field_type, fhirtypes.Primitive):
        name = field_type.fhir_type_name()
        if name == "xhtml":
            check_narrative_div(item, where, problems)
            return
        pattern = PATTERNS.get(name)
        if pattern is not None and isinstance(item, str) and not pattern.fullmatch(item):
            problems.append(f"{where}: {item!r} is not a valid {name}")
        codes = field.field_info.extra.get("enum_values")
        # A trailing "+" marks a list the generator cut short: it cannot be checked.
        if codes and "+" not in codes and item not in codes:
            problems.append(f"{where}: {item!r} is not in its required value set {codes}")
    elif isinstance(item, dict) and issubclass(field_type, (fhirtypes.AbstractType, fhirtypes.AbstractBaseType)):
        resource_type = item.get("resourceType") or field_type.__resource_type__
        check_element(item, get_fhir_model_class(resource_type), where, problems)


def check_not_empty(value, path: str, problems: list[str]) -> None:
    """ele-1, and FHIR JSON's rule that there are no empty objects, arrays, strings or nulls."""
    if value is None or value == "" or value == [] or value == {}:
        problems.append(f"{path}: empty ({json.dumps(value)}); leave the element out instead")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_not_empty(item, f"{path}.{key}", problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_not_empty(item, f"{path}[{index}]", problems)


def check_narrative_div(div, where: str, problems: list[str]) -> None:
    if not isinstance(div, str):
        problems.append(f"{where}: not a string")
        return
    try:
        root = ElementTree.fromstring(div)
    except ElementTree.ParseError as error:
        problems.append(f"{where}: not well-formed XHTML ({error})")
        return
    if root.tag != f"{XHTML}div":
        problems.append(f"{where}: the root must be an XHTML div, not {root.tag}")
    for element in root.iter():
        name = element.tag[len(XHTML):] if element.tag.startswith(XHTML) else element.tag
        if not element.tag.startswith(XHTML) or name not in NARRATIVE_ELEMENTS:
            problems.append(f"{where}: <{name}> is not allowed in a narrative (txt-1)")
        for attribute in element.attrib:
            if attribute.lower().startswith("on"):
                problems.append(f"{where}: event attribute {attribute} is not allowed (txt-1)")
    if not "".join(root.itertext()).strip() and root.find(f".//{XHTML}img") is None:
        problems.append(f"{where}: the narrative has no content (txt-2)")


# ---- layer 3: what a document needs -------------------------------------------------


def check_document(bundle: dict, problems: list[str]) -> None:
    if bundle.get("type") != "document":
        problems.append(f"Bundle.type: {bundle.get('type')!r}, expected \"document\"")
    identifier = bundle.get("identifier") or {}
    if not (identifier.get("system") and identifier.get("value")):
        problems.append("Bundle.identifier: a document needs a system and a value (bdl-9)")
    if not bundle.get("timestamp"):
        problems.append("Bundle.timestamp: a document needs one (bdl-10)")
    entries = bundle.get("entry") or []
    if not entries or entries[0].get("resource", {}).get("resourceType") != "Composition":
        problems.append("Bundle.entry[0]: a document starts with a Composition (bdl-11)")

    full_urls: set[str] = set()
    for index, entry in enumerate(entries):
        full_url = entry.get("fullUrl")
        resource = entry.get("resource") or {}
        where = f"Bundle.entry[{index}]"
        if not full_url:
            problems.append(f"{where}.fullUrl: missing")
            continue
        if full_url in full_urls:
            problems.append(f"{where}.fullUrl: {full_url} appears twice (bdl-7)")
        full_urls.add(full_url)
        if full_url.startswith("urn:uuid:"):
            if not UUID_URL.fullmatch(full_url):
                problems.append(f"{where}.fullUrl: {full_url!r} is not a valid urn:uuid")
            elif resource.get("id") not in (None, full_url[len("urn:uuid:"):]):
                problems.append(f"{where}.resource.id: does not match fullUrl {full_url}")

    for index, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        where = f"Bundle.entry[{index}].resource({resource.get('resourceType')})"
        for target in references(resource):
            if target not in full_urls and not target.startswith("#"):
                problems.append(f"{where}: reference {target} does not resolve inside the document")
        if resource.get("resourceType") == "Composition":
            check_sections(resource.get("section") or [], f"{where}.section", problems)
        if resource.get("resourceType") == "Consent" and not (resource.get("policy") or resource.get("policyRule")):
            problems.append(f"{where}: a Consent needs a policy or a policyRule (ppc-1)")


def references(value) -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                found.append(item)
            else:
                found.extend(references(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(references(item))
    return found


def check_sections(sections: list, path: str, problems: list[str]) -> None:
    for index, section in enumerate(sections):
        where = f"{path}[{index}]"
        if not (section.get("text") or section.get("entry") or section.get("section")):
            problems.append(f"{where}: a section needs text, entries or sub-sections (cmp-1)")
        if section.get("emptyReason") and section.get("entry"):
            problems.append(f"{where}: emptyReason on a section with entries (cmp-2)")
        check_sections(section.get("section") or [], f"{where}.section", problems)


if __name__ == "__main__":
    sys.exit(main())
