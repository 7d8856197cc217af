"""The jsonschema target, read by the tools users feed it to: the 2020-12 metaschema (jsonschema),
openapi-spec-validator, datamodel-code-generator, Ajv in strict mode, and json-schema-to-typescript,
whose output tsc --strict compiles. Hostile dictionaries read back exactly."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from dictgen.errors import RenderError, check_json
from dictgen.targets.jsonschema import DOCUMENTS
from dictgen.text import needs_escape
from tests.support.helpers import ROOT, dictgen, render_target, sample_result, tree, write_snapshot
from tests.support.strategies import results
from tests.support.tsc import MODES, NODE_MODULES, STRICT, find_tsc, generated_names, run, run_tsc

SHIPPED = ROOT / "generated" / "jsonschema"
CASES = ROOT / "tests" / "cases"
DATAMODEL_CODEGEN = Path(sys.executable).parent / "datamodel-codegen"
# The keywords of schema.json that are not JSON Schema's: Ajv's strict mode wants them declared.
KEYWORDS = [
    "x-dictionary-version",
    "x-snapshot-sha256",
    "x-tips",
    "x-enum-varnames",
    "x-enumNames",
    "x-enum-descriptions",
]
NOT_A_CODE = "\x00"  # the snapshot loader refuses U+0000 anywhere, so no dictionary has this code

# Each job: compile a schema with Ajv (2020-12, strict) and validate payloads: null when valid,
# else Ajv's errors; or the compile error. Without ownProperties, Ajv reads inherited properties:
# `{}` would fail a dictionary named "constructor" (Object.prototype.constructor is no string).
AJV = r"""
const { readFileSync } = require("node:fs");
const Ajv2020 = require("ajv/dist/2020").default;
const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = jobs.map(({ schema, keywords, payloads }) => {
  const ajv = new Ajv2020({ strict: true, ownProperties: true, keywords });
  let validate;
  try {
    validate = ajv.compile(JSON.parse(readFileSync(schema, "utf8")));
  } catch (error) {
    return { compileError: error.message };
  }
  return { results: payloads.map((payload) => (validate(payload) ? null : validate.errors)) };
});
process.stdout.write(JSON.stringify(out));
"""

# json-schema-to-typescript: each [schema, output] pair.
JSON2TS = r"""
const { readFileSync, writeFileSync } = require("node:fs");
const { compile } = require("json-schema-to-typescript");
(async () => {
  for (const [input, output] of JSON.parse(process.argv[2])) {
    const schema = JSON.parse(readFileSync(input, "utf8"));
    const options = { bannerComment: "", additionalProperties: false, cwd: "." };
    writeFileSync(output, await compile(schema, "JuheGrabTicketDictionaries", options));
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""

# Uses the types json-schema-to-typescript wrote for the shipped schema.
CONSUMER = """
import type { JuheGrabTicketDictionaries, SeatClass } from "./schema";

const seat: SeatClass = "4";
export const payload: JuheGrabTicketDictionaries = { seatClass: seat, orderStatus: "F" };
// @ts-expect-error: "99" is no seat class
export const unknownSeat: SeatClass = "99";
// @ts-expect-error: codes are strings, as upstream sends them
export const numberSeat: SeatClass = 4;
// @ts-expect-error: additionalProperties is false
export const typo: JuheGrabTicketDictionaries = { seatclass: "4" };
"""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys: {keys}"
    return dict(pairs)


def loads(data: bytes) -> Any:
    """Parse a generated document; a duplicate key anywhere fails."""
    return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)


def render(folder: Path, *majors: dict[str, Any]) -> dict[str, bytes]:
    """Render ``majors`` as snapshots 1.0.0, 2.0.0, ... (fallback names only) into ``folder/out``."""
    return render_target(folder, "jsonschema", *majors)


def node(script: str, folder: Path, *args: str) -> str:
    """Run a CommonJS script with the pinned tools of tooling/typescript on its module path."""
    find_tsc()
    path = folder / "script.cjs"
    path.write_text(script, encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    proc = subprocess.run(
        ["node", str(path), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def ajv(folder: Path, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run Ajv jobs (``schema``, ``keywords``, ``payloads``); one outcome per job."""
    (folder / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    outcome: list[dict[str, Any]] = json.loads(node(AJV, folder, str(folder / "jobs.json")))
    return outcome


def assert_documents(files: dict[str, bytes], result: dict[str, Any], folder: Path) -> None:
    """Every key, msg, code, label and tip reads back exactly, with naming.py's names, in each document."""
    names = generated_names(folder)
    schema, oneof, openapi = (loads(files[f"jsonschema/{doc}"]) for doc in DOCUMENTS)
    dictionaries = {key: value for key, value in result.items() if key != "tips"}
    assert schema["x-tips"] == openapi["info"]["x-tips"] == result.get("tips", [])
    assert list(schema["properties"]) == list(oneof["properties"]) == list(dictionaries)
    classes = [names[key][0] for key in dictionaries]
    assert list(schema["$defs"]) == list(oneof["$defs"]) == [*classes, "SystemErrorCode"]
    components = openapi["components"]["schemas"]
    for key, value in dictionaries.items():
        cls, members = names[key]
        codes, labels = list(value["data"]), list(value["data"].values())
        assert schema["properties"][key] == oneof["properties"][key] == {"$ref": f"#/$defs/{cls}"}
        assert components["JuheGrabTicketDictionaries"]["properties"][key] == {
            "$ref": f"#/components/schemas/{cls}"
        }
        enum = schema["$defs"][cls]
        assert (enum["title"], enum["description"], enum["type"]) == (cls, value["msg"], "string")
        assert enum.get("enum", []) == codes and ("not" in enum) == (not codes)
        assert enum["x-enum-varnames"] == enum["x-enumNames"] == members
        assert enum["x-enum-descriptions"] == labels
        assert components[cls] == enum
        triples = zip(codes, members, labels, strict=True)
        constants = [{"const": c, "title": m, "description": la} for c, m, la in triples]
        assert oneof["$defs"][cls].get("oneOf", []) == constants
        assert oneof["$defs"][cls]["description"] == value["msg"]
    for data in files.values():  # nothing invisible or line-breaking is written as itself
        assert not any(needs_escape(ch) for ch in data.decode("utf-8").replace("\n", ""))


def payloads(result: dict[str, Any]) -> list[tuple[dict[str, str], bool]]:
    """Each code of each dictionary as a payload (valid), and a value no dictionary has (invalid)."""
    cases = [({"no such key": "1"}, False)]
    for key, value in result.items():
        if key != "tips":
            cases += [({key: code}, True) for code in value["data"]] + [({key: NOT_A_CODE}, False)]
    return cases


def assert_validators_agree(files: dict[str, bytes], result: dict[str, Any]) -> None:
    """The 2020-12 metaschema accepts both schemas, which accept every code and nothing else;
    openapi-spec-validator accepts the OpenAPI document."""
    for doc in ("schema.json", "oneof.schema.json"):
        schema = loads(files[f"jsonschema/{doc}"])
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema)
        assert [(p, validator.is_valid(p)) for p, _ in payloads(result)] == payloads(result), doc
    validate_openapi(loads(files["jsonschema/openapi.json"]))


# --- structure --------------------------------------------------------------------------------


def test_each_major_has_its_documents_and_the_root_repeats_the_newest(tmp_path: Path) -> None:
    files = render(tmp_path, {"a": {"msg": "A", "data": {"1": "one"}}}, sample_result())
    assert set(files) == {f"jsonschema/{m}{doc}" for m in ("", "v1.", "v2.") for doc in DOCUMENTS}
    for doc in DOCUMENTS:
        assert files[f"jsonschema/{doc}"] == files[f"jsonschema/v2.{doc}"] != files[f"jsonschema/v1.{doc}"]
    v1, v2 = loads(files["jsonschema/v1.schema.json"]), loads(files["jsonschema/v2.schema.json"])
    assert (v1["$id"], v2["$id"]) == ("urn:juhe-grabticket:v1", "urn:juhe-grabticket:v2")
    assert loads(files["jsonschema/v1.oneof.schema.json"])["$id"] == "urn:juhe-grabticket:v1:oneof"
    assert (v2["x-dictionary-version"], v2["$schema"]) == (
        "2.0.0",
        "https://json-schema.org/draft/2020-12/schema",
    )
    assert v2["x-snapshot-sha256"] in v2["$comment"] and "Do not edit" in v2["$comment"]
    assert loads(files["jsonschema/openapi.json"])["info"]["version"] == "2.0.0"


def test_the_shipped_documents_are_formatted_like_json_dumps() -> None:
    """Two-space indentation, one value a line, CJK as itself: what `json.dumps(indent=2)` writes."""
    for path in sorted(SHIPPED.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n", path.name


def test_the_shipped_documents_read_back_and_validate() -> None:
    files = {f"jsonschema/{path.name}": path.read_bytes() for path in SHIPPED.glob("*.json")}
    result = sample_result()
    # The shipped names come from names.toml, not naming.py's fallbacks: read them from the schema.
    schema = loads(files["jsonschema/schema.json"])
    assert schema["$defs"]["SeatClass"]["x-enum-varnames"][:4] == [
        "HARD_SEAT",
        "SOFT_SEAT",
        "FIRST_CLASS_SEAT",
        "SECOND_CLASS_SEAT",
    ]
    assert schema["x-tips"] == result["tips"]
    assert_validators_agree(files, result)
    errors = list(Draft202012Validator(schema).iter_errors({"seatClass": "99"}))
    assert [(e.json_path, e.validator) for e in errors] == [("$.seatClass", "enum")]


def test_empty_dictionaries_and_no_dictionaries_give_valid_schemas(tmp_path: Path) -> None:
    """JSON Schema allows `enum: []` but Ajv refuses it, and `oneOf: []` is invalid: an empty
    dictionary is `"not": {}`, which admits nothing."""
    empty: dict[str, Any] = {"empty": {"msg": "", "data": {}}, "one": {"msg": "m", "data": {"1": "x"}}}
    files = render(tmp_path, {}, empty)
    for major, result in (("v1.", {}), ("v2.", empty)):
        documents = {f"jsonschema/{doc}": files[f"jsonschema/{major}{doc}"] for doc in DOCUMENTS}
        assert_validators_agree(documents, result)
    assert list(loads(files["jsonschema/v1.schema.json"])["$defs"]) == ["SystemErrorCode"]
    assert loads(files["jsonschema/v1.openapi.json"])["components"]["schemas"].keys() == {
        "SystemErrorCode",
        "JuheGrabTicketDictionaries",
    }
    for doc in ("schema.json", "oneof.schema.json"):
        definition = loads(files[f"jsonschema/{doc}"])["$defs"]["Empty"]
        assert definition["not"] == {} and "enum" not in definition and "oneOf" not in definition
        assert not Draft202012Validator(definition).is_valid("")


@pytest.mark.slow  # exhaustive or property-based: make test runs it
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(results())
def test_hostile_dictionaries_read_back_exactly(result: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = render(Path(tmp), result)
        assert_documents(files, result, Path(tmp))
        assert_validators_agree(files, result)


def test_a_template_that_writes_invalid_json_is_refused(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    (tmp_path / "mine" / "jsonschema").mkdir(parents=True)
    (tmp_path / "mine" / "jsonschema" / "openapi.json.j2").write_text('{"a": 1,}\n', encoding="utf-8")
    args = ["generate", "--target", "jsonschema", "--templates", "mine", "--names", "none.toml"]
    result = dictgen(*args, cwd=tmp_path)
    assert result.returncode == 2 and not (tmp_path / "generated").exists()
    assert result.stderr == (
        "error: jsonschema/v1.openapi.json: generated JSON does not parse: "
        "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)\n"
    )


# --- datamodel-code-generator --------------------------------------------------------------------


def enums(source: str) -> dict[str, list[tuple[str, str | int]]]:
    """Class -> [(member, value)] of each class in ``source`` with str or int members (CodeEnum aside)."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name != "CodeEnum":
            members = [
                (stmt.targets[0].id, stmt.value.value)
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str | int)
            ]
            if members:
                found[node.name] = members
    return found


def datamodel_codegen(schema: Path, kind: str, out: Path) -> str:
    """The Python that datamodel-code-generator writes for ``schema`` (its defaults, pydantic v2)."""
    argv: list[str | Path] = [DATAMODEL_CODEGEN, "--input", schema, "--input-file-type", kind]
    argv += ["--output", out, "--formatters", "builtin", "--disable-timestamp"]
    run([*argv, "--use-schema-description", "--use-field-description"], out.parent)
    source = out.read_text(encoding="utf-8")
    compile(source, str(out), "exec")
    return source


def test_datamodel_codegen_names_members_as_the_python_package_does(tmp_path: Path) -> None:
    package = ROOT / "generated" / "python" / "juhe_grabticket" / "v1" / "__init__.py"
    ours = enums(package.read_text(encoding="utf-8"))
    assert ours["SeatClass"][:2] == [("HARD_SEAT", "1"), ("SOFT_SEAT", "2")]
    for doc, kind in (
        ("schema.json", "jsonschema"),
        ("oneof.schema.json", "jsonschema"),
        ("openapi.json", "openapi"),
    ):
        source = datamodel_codegen(SHIPPED / doc, kind, tmp_path / f"{doc.split('.')[0]}_{kind}.py")
        assert enums(source) == ours, doc
        assert "class JuheGrabTicketDictionaries(BaseModel):" in source
    # x-enum-descriptions become member docstrings, the msg the class docstring.
    assert '    SECOND_CLASS_SEAT = \'4\'\n    """\n    二等座\n    """' in source


@pytest.mark.parametrize("case", ["hostile", "two-majors"])
def test_datamodel_codegen_reads_the_golden_cases_with_our_names(case: str, tmp_path: Path) -> None:
    folder = CASES / case / "expected" / "generated"
    for schema in sorted((folder / "jsonschema").glob("v*.schema.json")):
        if "oneof" in schema.name:
            continue
        major = schema.name.split(".")[0]
        ours = enums(
            (folder / "python" / "juhe_grabticket" / major / "__init__.py").read_text(encoding="utf-8")
        )
        assert enums(datamodel_codegen(schema, "jsonschema", tmp_path / f"{major}.py")) == ours, schema


# --- Ajv, json-schema-to-typescript, tsc --------------------------------------------------------------


@pytest.mark.node
def test_ajv_strict_compiles_both_schemas_and_names_the_dictionary_in_errors(tmp_path: Path) -> None:
    schema, oneof = str(SHIPPED / "schema.json"), str(SHIPPED / "oneof.schema.json")
    cases = [({"seatClass": "4"}, True), ({"seatClass": "99"}, False), ({"seatClass": 4}, False)]
    cases += [({"seatclass": "4"}, False), ({"orderStatus": "F", "msgCode": "999"}, True)]
    sample = [payload for payload, _ in cases]
    declared, standard, undeclared = ajv(
        tmp_path,
        [
            {"schema": schema, "keywords": KEYWORDS, "payloads": sample},
            {"schema": oneof, "keywords": [], "payloads": sample},  # standard keywords only
            {"schema": schema, "keywords": [], "payloads": []},
        ],
    )
    for outcome in (declared, standard):
        assert [errors is None for errors in outcome["results"]] == [valid for _, valid in cases]
    [error] = declared["results"][1]
    assert (error["instancePath"], error["schemaPath"]) == ("/seatClass", "#/$defs/SeatClass/enum")
    assert error["message"] == "must be equal to one of the allowed values"
    assert declared["results"][3][0]["params"] == {"additionalProperty": "seatclass"}
    assert standard["results"][1][-1]["schemaPath"] == "#/$defs/SeatClass/oneOf"
    assert undeclared == {"compileError": 'strict mode: unknown keyword: "x-dictionary-version"'}


@pytest.mark.node
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(results(), min_size=2, max_size=4))
def test_ajv_accepts_every_hostile_code_and_nothing_else(batch: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        jobs, wanted = [], []
        for i, result in enumerate(batch):
            render(Path(tmp) / f"c{i}", result)
            # Ajv drops a property named __proto__ from `properties`, even with ownProperties (its
            # own limitation: the schema is right, and Python's jsonschema accepts the payload).
            cases = [(p, valid) for p, valid in payloads(result) if "__proto__" not in p]
            for doc, keywords in (("schema.json", KEYWORDS), ("oneof.schema.json", [])):
                path = str(Path(tmp) / f"c{i}" / "out" / "jsonschema" / doc)
                jobs.append({"schema": path, "keywords": keywords, "payloads": [p for p, _ in cases]})
                wanted.append([valid for _, valid in cases])
        outcomes = ajv(Path(tmp), jobs)
        assert [[errors is None for errors in o.get("results", [o])] for o in outcomes] == wanted


@pytest.mark.node
def test_json_schema_to_typescript_output_compiles_with_tsc_strict(tmp_path: Path) -> None:
    tsc = find_tsc()
    pairs = [[str(SHIPPED / "schema.json"), str(tmp_path / "schema.ts")]]
    pairs.append([str(SHIPPED / "oneof.schema.json"), str(tmp_path / "oneof.ts")])
    for case in ("hostile", "two-majors"):
        for schema in sorted((CASES / case / "expected" / "generated" / "jsonschema").glob("v*.schema.json")):
            pairs.append([str(schema), str(tmp_path / f"{case}-{schema.name.split('.')[0]}.ts")])
    node(JSON2TS, tmp_path, json.dumps(pairs))
    shipped = (tmp_path / "schema.ts").read_text(encoding="utf-8")
    assert 'export type SeatClass =\n  | "1"\n  | "2"' in shipped
    assert "export interface JuheGrabTicketDictionaries {\n  idType?: IdType;" in shipped
    # The oneOf form: every titled const becomes a type alias of its own, as the docs say.
    assert 'export type HARD_SEAT = "1";' in (tmp_path / "oneof.ts").read_text(encoding="utf-8")
    (tmp_path / "consumer.ts").write_text(CONSUMER, encoding="utf-8")
    options = {**STRICT, **MODES["bundler"], "noEmit": True, "noUnusedLocals": True}
    run_tsc(tsc, tmp_path, "jsonschema", options, [Path(ts).name for _, ts in pairs] + ["consumer.ts"])


def test_the_generated_tree_matches_the_manifest() -> None:
    """dictgen owns every file of generated/jsonschema (and check reports the rest)."""
    manifest = json.loads((ROOT / "generated" / "manifest.json").read_text(encoding="utf-8"))
    owned = set(manifest["targets"]["jsonschema"])
    assert owned == {f"jsonschema/{name}" for name in tree(SHIPPED)}


def test_a_dictionary_named_like_the_root_type_gets_another_class(tmp_path: Path) -> None:
    root = {
        "juheGrabTicketDictionaries": {"msg": "m", "data": {"1": "one"}},
        "seatClass": sample_result()["seatClass"],
    }
    files = render(tmp_path, root)
    api = loads(files["jsonschema/openapi.json"])["components"]["schemas"]
    schema = loads(files["jsonschema/schema.json"])
    ref = schema["properties"]["juheGrabTicketDictionaries"]["$ref"]
    assert ref != "#/$defs/JuheGrabTicketDictionaries" and ref.removeprefix("#/$defs/") in api
    assert api["JuheGrabTicketDictionaries"]["type"] == "object"


def test_generated_json_with_a_duplicate_key_is_refused() -> None:
    with pytest.raises(RenderError, match="duplicate key 'a'"):
        check_json("x.json", '{"a": 1, "b": {"a": 2}, "a": 3}')
    check_json("x.json", '{"a": 1, "b": {"a": 2}}')
