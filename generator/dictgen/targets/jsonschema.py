"""JSON Schema target: ``jsonschema/``, the dictionaries (and Juhe's error codes) as JSON Schema
2020-12 and OpenAPI 3.1 documents, one set per major version, for code generators and validators in
any language."""

from __future__ import annotations

from dictgen.errors import check_json
from dictgen.render.contract import Files, Job, Target, encode_text

FOLDER = "jsonschema"
# Document -> template. Each major M gets ``v{M}.<document>``; the newest major's is copied to
# ``<document>`` as well, byte for byte (so it keeps that major's $id).
DOCUMENTS = {
    "schema.json": "jsonschema/schema.json.j2",
    "oneof.schema.json": "jsonschema/oneof.schema.json.j2",
    "openapi.json": "jsonschema/openapi.json.j2",
}


def render(job: Job) -> Files:
    """Render every document per major, and the newest major's again at the folder's root."""
    files: Files = {}
    for view in job.views:
        for document, template in DOCUMENTS.items():
            path = f"{FOLDER}/v{view.major}.{document}"
            text = job.templates.render(template, major=view, errors=job.errors)
            check_json(path, text)
            files[path] = encode_text(text)
    for document in DOCUMENTS:
        files[f"{FOLDER}/{document}"] = files[f"{FOLDER}/v{job.views[-1].major}.{document}"]
    return files


TARGET = Target(
    "jsonschema",
    FOLDER,
    render,
    "JSON Schema 2020-12 and OpenAPI 3.1 documents per major version",
    reserved=frozenset({"JuheGrabTicketDictionaries", "SystemErrorCode"}),  # definitions of its own
)
