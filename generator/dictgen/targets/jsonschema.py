"""JSON Schema target: ``jsonschema/``, the dictionaries as JSON Schema 2020-12 and OpenAPI 3.1
documents, one set per major version, for code generators and validators in any language."""

from __future__ import annotations

from collections.abc import Sequence

from dictgen.errors import check_json
from dictgen.render.contract import Files, MajorView, Options, Templates, encode_text

FOLDER = "jsonschema"
# Document -> template. Each major M gets ``v{M}.<document>``; the newest major's is copied to
# ``<document>`` as well, byte for byte (so it keeps that major's $id).
DOCUMENTS = {
    "schema.json": "jsonschema/schema.json.j2",
    "oneof.schema.json": "jsonschema/oneof.schema.json.j2",
    "openapi.json": "jsonschema/openapi.json.j2",
}


def render(templates: Templates, views: Sequence[MajorView], options: Options) -> Files:
    """Render every document per major, and the newest major's again at the folder's root."""
    files: Files = {}
    for view in views:
        for document, template in DOCUMENTS.items():
            path = f"{FOLDER}/v{view.major}.{document}"
            text = templates.render(template, major=view)
            check_json(path, text)
            files[path] = encode_text(text)
    for document in DOCUMENTS:
        files[f"{FOLDER}/{document}"] = files[f"{FOLDER}/v{views[-1].major}.{document}"]
    return files
