"""What quicktype makes of schema.json: each dictionary's `title` names its type, but it ignores the
x-enum-* names and makes one enum of dictionaries with exactly the same codes (IdType and
PassengerType, codes 1 to 4), whatever the schema says: title, description, $id, pattern or allOf.

Its own keyword for member names, `qt-accessors` (code -> name), does work, but schema.json does not
carry it: an object keyed by codes makes json-schema-to-typescript fail on a code such as
"hasOwnProperty" (the hostile golden case), and quicktype itself stops ("Cannot combine type
attribute accessorNames") when it merges two dictionaries that both carry one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import ROOT
from tests.support.tsc import NODE_MODULES, run
from tests.targets.test_jsonschema import enums

QUICKTYPE = NODE_MODULES / ".bin" / "quicktype"
SCHEMA = ROOT / "generated" / "jsonschema" / "schema.json"
PACKAGE = ROOT / "generated" / "python" / "juhe_grabticket" / "v1" / "__init__.py"
OWN_CODES = [
    "MsgCode",
    "OrderStatus",
    "RefundType",
    "SeatClass",
    "SeatClassCode",
    "TicketStateCode",
    "TrainClass",
]
MERGED = ["1", "2", "3", "4"]  # the codes of both IdType and PassengerType

pytestmark = pytest.mark.node


def quicktype(schema: Path, lang: str, *options: str) -> str:
    return run([QUICKTYPE, "--src-lang", "schema", "--lang", lang, *options, schema], cwd=schema.parent)


def _merged(found: dict[str, list[tuple[str, str | int]]]) -> str:
    [name] = [name for name, members in found.items() if sorted(str(v) for _, v in members) == MERGED]
    return name


def test_quicktype_python_takes_our_type_names_and_merges_the_twins() -> None:
    theirs = enums(quicktype(SCHEMA, "python"))
    assert sorted(theirs) == sorted([*OWN_CODES, _merged(theirs)])
    assert _merged(theirs) == "IDTypeEnum"  # one enum for IdType and PassengerType
    ours = enums(PACKAGE.read_text(encoding="utf-8"))
    assert ours["SeatClass"][0] == ("HARD_SEAT", "1") and ("THE_1", "1") in theirs["SeatClass"]


def test_quicktype_typescript_takes_our_type_names_and_merges_the_twins() -> None:
    source = quicktype(SCHEMA, "typescript", "--just-types", "--top-level", "JuheGrabTicketDictionaries")
    assert "export interface JuheGrabTicketDictionaries {" in source
    for name in OWN_CODES:
        assert f"export type {name} = " in source, name
    assert 'export type Type = "1" | "2" | "3" | "4";' in source
    assert "    idType?:          Type;" in source and "    passengerType?:   Type;" in source


def test_qt_accessors_would_name_members_but_not_keep_twins_apart(tmp_path: Path) -> None:
    doc = json.loads(SCHEMA.read_text(encoding="utf-8"))
    alone: Any = copy.deepcopy(doc)
    for key, name in (("idType", "IdType"), ("passengerType", "PassengerType")):
        del alone["$defs"][name], alone["properties"][key]
    for definition in alone["$defs"].values():
        definition["qt-accessors"] = dict(zip(definition["enum"], definition["x-enum-varnames"], strict=True))
    (tmp_path / "alone.json").write_text(json.dumps(alone, ensure_ascii=False), encoding="utf-8")
    theirs = enums(quicktype(tmp_path / "alone.json", "python"))
    ours = enums(PACKAGE.read_text(encoding="utf-8"))
    assert all(sorted(theirs[name]) == sorted(ours[name]) for name in OWN_CODES)
    for definition in doc["$defs"].values():
        definition["qt-accessors"] = dict(zip(definition["enum"], definition["x-enum-varnames"], strict=True))
    (tmp_path / "twins.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(AssertionError, match="Cannot combine type attribute accessorNames"):
        quicktype(tmp_path / "twins.json", "python")


@pytest.mark.parametrize("case", ["hostile", "two-majors"])
def test_quicktype_reads_every_golden_schema(case: str) -> None:
    folder = ROOT / "tests" / "cases" / case / "expected" / "generated" / "jsonschema"
    for schema in sorted(folder.glob("v*.schema.json")):
        if "oneof" not in schema.name:
            assert "class " in quicktype(schema, "python"), schema
