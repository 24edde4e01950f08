"""``/docs``: the API's documentation as one self-contained HTML page, rendered from the same
OpenAPI description as ``/openapi.json`` — every endpoint with its roles, parameters, body,
answers and a curl example, and every schema. No script, font or style from elsewhere: it works
on a laptop in a village office without internet.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from typing import Any

from services.gateway import openapi

TAG_ORDER = (
    "system",
    "households",
    "imports",
    "verification",
    "referrals",
    "notifications",
    "reports",
)
STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433}
header{background:#0b5d3b;color:#fff;padding:1.2em 2em}header h1{margin:0;font-size:1.6em}
nav{position:fixed;top:0;bottom:0;left:0;width:17em;overflow:auto;background:#f3f5f4;
padding:1em;border-right:1px solid #dde2df;font-size:.9em}
nav a{display:block;color:#0b5d3b;text-decoration:none;padding:.1em 0}
nav h3{margin:.8em 0 .2em;font-size:1em;text-transform:capitalize}
main{margin-left:19em;padding:0 2em 4em}section.op{border:1px solid #dde2df;border-radius:6px;
margin:1.2em 0;padding:.2em 1.2em 1em}h2{margin-top:1.6em;text-transform:capitalize}
.m{display:inline-block;min-width:4.2em;text-align:center;border-radius:4px;color:#fff;
font-weight:600;padding:0 .4em;margin-right:.5em}.get{background:#1f6fb2}.post{background:#1f8a4c}
.patch{background:#b26b1f}.delete{background:#b2301f}code,pre{font-family:ui-monospace,Menlo,
Consolas,monospace;font-size:.9em}pre{background:#1d2433;color:#e8eaf0;padding:.8em;
border-radius:4px;overflow:auto;white-space:pre-wrap}table{border-collapse:collapse;width:100%;
margin:.4em 0}th,td{border-bottom:1px solid #e5e8e6;text-align:left;padding:.25em .5em;
vertical-align:top}th{background:#f7f8f7}.roles{color:#555}.req{color:#b2301f}
.muted{color:#666}
"""


@cache
def page() -> str:
    return render(openapi.spec_dict())


def render(spec: dict[str, Any]) -> str:
    operations = _operations(spec)
    parts = [
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{escape(spec['info']['title'])}</title><style>{STYLE}</style></head><body>",
        _nav(operations, spec),
        "<main>",
        f"<header><h1>{escape(spec['info']['title'])} {escape(spec['info']['version'])}</h1>"
        "<div>Dinas Sosial Kabupaten Kutai Timur &middot; "
        "<a style='color:#fff' href='/openapi.json'>openapi.json</a></div></header>",
        f"<p>{escape(spec['info'].get('description', ''))}</p>",
        _errors_section(spec),
    ]
    for tag in _tags(operations):
        parts.append(f"<h2 id='tag-{tag}'>{escape(tag)}</h2>")
        for op in (o for o in operations if o["tag"] == tag):
            parts.append(_operation(op, spec))
    parts.append("<h2 id='schemas'>Schemas</h2>")
    for name, schema in sorted(spec["components"]["schemas"].items()):
        parts.append(
            f"<section class='op' id='schema-{escape(name)}'><h3>{escape(name)}</h3>"
            f"{_description(schema)}{_properties(schema, spec)}</section>"
        )
    parts.append("</main></body></html>")
    return "".join(parts)


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            found.append({"path": path, "method": method, "tag": op["tags"][0], **op})
    return found


def _tags(operations: list[dict[str, Any]]) -> list[str]:
    present = {o["tag"] for o in operations}
    return [t for t in TAG_ORDER if t in present] + sorted(present - set(TAG_ORDER))


def _nav(operations: list[dict[str, Any]], spec: dict[str, Any]) -> str:
    out = ["<nav><strong>SIPMAS API</strong>", "<a href='#errors'>Errors &amp; limits</a>"]
    for tag in _tags(operations):
        out.append(f"<h3>{escape(tag)}</h3>")
        for op in (o for o in operations if o["tag"] == tag):
            out.append(
                f"<a href='#op-{escape(op['operationId'])}'>{op['method'].upper()} "
                f"{escape(op['path'])}</a>"
            )
    out.append("<h3><a href='#schemas'>Schemas</a></h3>")
    for name in sorted(spec["components"]["schemas"]):
        out.append(f"<a href='#schema-{escape(name)}'>{escape(name)}</a>")
    out.append("</nav>")
    return "".join(out)


def _errors_section(spec: dict[str, Any]) -> str:
    rows = [
        ("400", "bad_request", "the body is not JSON, or cannot be read"),
        ("401", "unauthenticated", "no token, or an unknown, expired or revoked one"),
        ("403", "forbidden", "your role may not use this endpoint"),
        ("404", "not_found", "unknown — or outside your area or agency (the same answer)"),
        ("405", "method_not_allowed", "the path exists, not with this method"),
        ("409", "illegal_transition / refused", "not possible in the current state, or a rule"),
        ("413", "too_large", "JSON over 1 MB, an import or a photo over its limit"),
        ("415", "unsupported_media_type", "a file that is not what it must be, by content"),
        ("422", "invalid", "fields that break a rule: each is named in fields"),
        ("429", "rate_limited", "too many requests for this token: wait Retry-After seconds"),
        ("500", "internal", "a failure: quote request_id (also the X-Request-Id header)"),
    ]
    table = "".join(
        f"<tr><td>{s}</td><td><code>{escape(c)}</code></td><td>{escape(d)}</td></tr>"
        for s, c, d in rows
    )
    example = (
        '{"error": {"code": "invalid", "message": {"id": "Isian tidak valid", '
        '"en": "Invalid fields"}, "fields": {"members[0]": {"nik": ["..."]}}, '
        '"request_id": "3f2a..."}}'
    )
    return (
        "<section class='op' id='errors'><h3>Authentication, errors and limits</h3>"
        "<p>Send <code>Authorization: Bearer sipmas_…</code> (an admin issues it with "
        "<code>sipmas users token USERNAME</code>). Every error has one shape:</p>"
        f"<pre>{escape(example)}</pre><table><tr><th>status</th><th>code</th>"
        f"<th>when</th></tr>{table}</table></section>"
    )


def _operation(op: dict[str, Any], spec: dict[str, Any]) -> str:
    method = op["method"]
    out = [
        f"<section class='op' id='op-{escape(op['operationId'])}'>",
        f"<h3><span class='m {method}'>{method.upper()}</span><code>{escape(op['path'])}"
        f"</code></h3><p><strong>{escape(op.get('summary', ''))}</strong></p>",
    ]
    if op.get("description"):
        out.append(f"<p class='roles'>{_text(op['description'])}</p>")
    if op.get("security") == []:
        out.append("<p class='muted'>No token needed.</p>")
    params = op.get("parameters") or []
    if params:
        out.append(
            "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th>"
            "<th>description</th></tr>"
        )
        for p in params:
            required = " <span class='req'>required</span>" if p.get("required") else ""
            out.append(
                f"<tr><td><code>{escape(p['name'])}</code>{required}</td><td>{p['in']}</td>"
                f"<td>{_type(p.get('schema', {}), spec)}</td>"
                f"<td>{_text(p.get('description') or p.get('schema', {}).get('description', ''))}"
                "</td></tr>"
            )
        out.append("</table>")
    body = op.get("requestBody")
    if body:
        out.append("<h4>Body</h4>")
        for content_type, media in body["content"].items():
            out.append(f"<p><code>{escape(content_type)}</code></p>")
            out.append(_properties(_resolve(media["schema"], spec), spec))
    out.append("<h4>Responses</h4><table><tr><th>status</th><th>body</th></tr>")
    for status, response in op["responses"].items():
        response = _resolve(response, spec)
        kinds = []
        for content_type, media in (response.get("content") or {}).items():
            kinds.append(f"<code>{escape(content_type)}</code> {_type(media['schema'], spec)}")
        out.append(f"<tr><td>{status}</td><td>{'<br>'.join(kinds) or '—'}</td></tr>")
    out.append("</table>")
    if op.get("x-curl"):
        out.append(f"<h4>Example</h4><pre>{escape(op['x-curl'])}</pre>")
    if op.get("x-example"):
        body = json.dumps(op["x-example"], indent=2, ensure_ascii=False)
        out.append(f"<p>with the body (<code>visit.json</code>):</p><pre>{escape(body)}</pre>")
    out.append("</section>")
    return "".join(out)


def _resolve(node: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not ref:
        return node
    _, _, kind, name = ref.split("/")
    return spec["components"][kind][name]


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref.rsplit("/", 1)[-1] if ref else None


def _type(schema: dict[str, Any], spec: dict[str, Any]) -> str:
    """A schema in a word or two, with a link to a named schema."""
    name = _ref_name(schema)
    if name:
        return f"<a href='#schema-{escape(name)}'>{escape(name)}</a>"
    if "allOf" in schema and schema["allOf"]:
        return _type(schema["allOf"][0], spec)
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type(schema.get('items', {}), spec)}"
    text = escape(str(kind))
    if schema.get("format"):
        text += f" ({escape(schema['format'])})"
    if schema.get("enum"):
        text += ": " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    limits = [
        f"{label} {schema[key]}"
        for key, label in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "min length"),
            ("maxLength", "max length"),
            ("minItems", "min items"),
            ("maxItems", "max items"),
            ("pattern", "pattern"),
        )
        if key in schema
    ]
    if limits:
        text += f" <span class='muted'>({escape(', '.join(map(str, limits)))})</span>"
    if schema.get("nullable"):
        text += " <span class='muted'>or null</span>"
    return text


def _properties(schema: dict[str, Any], spec: dict[str, Any]) -> str:
    schema = _resolve(schema, spec)
    properties = schema.get("properties") or {}
    if not properties:
        return f"<p>{_type(schema, spec)}</p>"
    required = set(schema.get("required") or ())
    rows = []
    for name, prop in properties.items():
        flag = " <span class='req'>required</span>" if name in required else ""
        rows.append(
            f"<tr><td><code>{escape(name)}</code>{flag}</td><td>{_type(prop, spec)}</td>"
            f"<td>{_text(_resolve(prop, spec).get('description', ''))}"
            f"{_default(prop)}</td></tr>"
        )
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        rows.append(
            f"<tr><td><em>any other part</em></td><td>{_type(extra, spec)}</td>"
            "<td>a photo, named by the visit</td></tr>"
        )
    return (
        "<table><tr><th>field</th><th>type</th><th>description</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _default(prop: dict[str, Any]) -> str:
    if "default" in prop and prop["default"] not in (None, [], ""):
        return f" <span class='muted'>(default {escape(str(prop['default']))})</span>"
    return ""


def _description(schema: dict[str, Any]) -> str:
    return f"<p>{_text(schema['description'])}</p>" if schema.get("description") else ""


def _text(text: str) -> str:
    """Plain text with ``code`` marks as <code>."""
    parts = escape(text or "").split("``")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)).replace(
        "\n\n", "<br>"
    )
