"""``docs/asyncapi.yaml`` says what ``sipmas/events.py`` does, and ``definitions.json`` is what
its generator writes: field by field, example by example, agency by agency."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from marshmallow import Schema, fields, validate

from sipmas import broker_access, events, reference

ROOT = Path(__file__).resolve().parents[2]
DOC = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
COMPONENTS = DOC["components"]
SCHEMAS: dict[str, type[Schema]] = {
    "Envelope": events.Envelope,
    "OpdReferral": events.OpdReferral,
    "OpdHousehold": events.OpdHousehold,
    "OpdPerson": events.OpdPerson,
    "OpdUpdateRefused": events.OpdUpdateRefused,
    "OpdStatusUpdate": events.OpdStatusUpdate,
}
REGION_CODES = {"kecamatan_code", "desa_code"}  # documented by pattern: too many for an enum
REFERRAL_MESSAGES = {
    "created": "ReferralCreated",
    "updated": "ReferralUpdated",
    "escalated": "ReferralEscalated",
    "cancelled": "ReferralCancelled",
    "refused": "UpdateRefused",
}


def _generator():
    path = ROOT / "deploy" / "rabbitmq" / "generate_definitions.py"
    spec = importlib.util.spec_from_file_location("generate_definitions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        *_, kind, name = schema["$ref"].split("/")
        schema = COMPONENTS[kind][name]
    return schema


def ref_name(schema: dict[str, Any]) -> str | None:
    return schema["$ref"].rsplit("/", 1)[1] if "$ref" in schema else None


def types_of(schema: dict[str, Any]) -> set[str]:
    kind = resolve(schema).get("type")
    return set(kind) if isinstance(kind, list) else {kind}


def expected(field: fields.Field) -> tuple[str, str | None]:
    """(JSON type, format) of a marshmallow field."""
    for kind, json_type, fmt in (
        (fields.UUID, "string", "uuid"),
        (fields.AwareDateTime, "string", "date-time"),
        (fields.Integer, "integer", None),
        (fields.String, "string", None),
        (fields.List, "array", None),
        (fields.Dict, "object", None),
        (fields.Nested, "object", None),
    ):
        if isinstance(field, kind):
            return json_type, fmt
    raise AssertionError(f"no JSON type for {field!r}")


def choices(field: fields.Field) -> set[str] | None:
    validators = field.validators if hasattr(field, "validators") else []
    for validator in validators:
        if isinstance(validator, validate.OneOf):
            return set(validator.choices)
    return None


# --- a small JSON Schema checker: enough for the keywords this document uses -------------------


def violations(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    complete = "$ref" in schema  # a named component lists every property
    schema = resolve(schema)
    found: list[str] = []
    for part in schema.get("allOf", []):
        found += violations(value, part, path)
    if "if" in schema and not violations(value, schema["if"], path):
        found += violations(value, schema["then"], path)
    if "const" in schema and value != schema["const"]:
        found.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in enum")
    if "type" in schema and not any(_is(value, t) for t in types_of(schema)):
        found.append(f"{path}: {value!r} is not {schema['type']}")
        return found
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            found.append(f"{path}: too short")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        found.append(f"{path}: below {schema['minimum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [
            f"{path}.{key}: required" for key in schema.get("required", []) if key not in value
        ]
        if complete and properties:
            found += [f"{path}.{key}: not in the schema" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                found += violations(item, properties[key], f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += violations(item, schema["items"], f"{path}[{index}]")
    return found


def _is(value: Any, json_type: str) -> bool:
    return {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "null": value is None,
    }[json_type]


def all_examples() -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, example["payload"])
        for name, message in COMPONENTS["messages"].items()
        for example in message.get("examples", [])
    ]


# --- the tests -----------------------------------------------------------------------------------


def test_the_document_is_asyncapi_with_both_exchanges():
    assert DOC["asyncapi"].startswith("2.6")
    exchanges = {
        channel["bindings"]["amqp"]["exchange"]["name"]: channel["bindings"]["amqp"]["exchange"]
        for channel in DOC["channels"].values()
    }
    assert set(exchanges) == {events.OPD_EXCHANGE, events.OPD_INBOUND_EXCHANGE}
    for exchange in exchanges.values():
        assert (exchange["type"], exchange["durable"], exchange["vhost"]) == (
            "topic",
            True,
            "sipmas",
        )
    assert set(DOC["channels"]) == {
        events.opd_routing_key("{opd_code}", "{event}"),
        events.opd_status_key("{opd_code}"),
    }


def test_codes_and_events_are_the_contracts():
    assert set(COMPONENTS["schemas"]["OpdCode"]["enum"]) == reference.opd_codes()
    event = DOC["channels"]["referral.{opd_code}.{event}"]["parameters"]["event"]["schema"]
    assert tuple(event["enum"]) == events.OPD_EVENTS
    assert set(REFERRAL_MESSAGES) == set(events.OPD_EVENTS)


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_property_is_a_field_of_the_marshmallow_schema(name):
    schema = COMPONENTS["schemas"][name]
    declared = SCHEMAS[name]().fields
    by_key = {field.data_key or attr: field for attr, field in declared.items()}
    properties = schema["properties"]
    assert set(properties) == set(by_key)
    assert set(schema.get("required", [])) == {k for k, f in by_key.items() if f.required}
    for key, field in by_key.items():
        prop = properties[key]
        json_type, fmt = expected(field)
        types = types_of(prop)
        assert json_type in types, key
        assert ("null" in types) == field.allow_none, f"{name}.{key}: nullable"
        assert resolve(prop).get("format") == fmt, f"{name}.{key}: format"
        if isinstance(field, fields.Nested):
            assert SCHEMAS[ref_name(prop)] is type(field.schema), key
        if isinstance(field, fields.List):
            inner = field.inner
            if isinstance(inner, fields.Nested):
                assert SCHEMAS[ref_name(prop["items"])] is type(inner.schema), key
            else:
                assert expected(inner)[0] in types_of(prop["items"]), key
        codes = choices(field)
        if key in REGION_CODES:
            assert codes and all(re.fullmatch(prop["pattern"], code) for code in codes), key
            assert "enum" not in prop
        elif codes is not None:
            enum = set(resolve(prop)["enum"]) - {None}
            assert enum == codes, f"{name}.{key}: enum"
        elif (name, key) == ("Envelope", "event_type"):  # on sipmas.opd: the opd_* types only
            opd_types = {t for t in events.SCHEMAS if t.startswith("opd_")}
            assert set(prop["enum"]) == opd_types
        else:
            assert "enum" not in resolve(prop), f"{name}.{key}: no such rule in the schema"


def test_every_referral_message_names_its_event_type_and_data_schema():
    channel = DOC["channels"]["referral.{opd_code}.{event}"]
    listed = {ref_name(m) for m in channel["subscribe"]["message"]["oneOf"]}
    assert listed == set(REFERRAL_MESSAGES.values())
    for message_name in REFERRAL_MESSAGES.values():
        message = COMPONENTS["messages"][message_name]
        event_type = message["name"]
        producer, version, data_schema = events.SCHEMAS[event_type]
        assert event_type in COMPONENTS["schemas"]["Envelope"]["properties"]["event_type"]["enum"]
        envelope, specific = message["payload"]["allOf"]
        assert ref_name(envelope) == "Envelope"
        assert specific["properties"]["event_type"]["const"] == event_type
        assert SCHEMAS[ref_name(specific["properties"]["data"])] is data_schema
        assert message["bindings"]["amqp"]["messageType"] == event_type
        assert (producer, version) == ("referral", 1)
    status = DOC["channels"]["status.{opd_code}"]["publish"]["message"]
    assert ref_name(resolve(status)["payload"]) == "OpdStatusUpdate"


def test_the_examples_cover_what_an_agency_meets():
    names = {
        (message, payload.get("event_type") or payload["status"])
        for message, payload in all_examples()
    }
    assert ("ReferralCreated", "opd_referral_created") in names
    assert ("UpdateRefused", "opd_update_refused") in names
    assert {status for message, status in names if message == "StatusUpdate"} >= {
        "accepted",
        "completed",
        "rejected",
    }
    created = COMPONENTS["messages"]["ReferralCreated"]["examples"][0]["payload"]
    assert created["data"]["opd_code"] == "perkim"


@pytest.mark.parametrize("message, payload", all_examples(), ids=[n for n, _ in all_examples()])
def test_every_example_validates_against_marshmallow_and_the_json_schema(message, payload):
    schema = COMPONENTS["messages"][message]["payload"]
    assert violations(payload, schema) == []
    if message == "StatusUpdate":
        loaded = events.OpdStatusUpdate().load(payload)
        assert loaded["status"] != "completed" or loaded["evidence_ref"]
        assert loaded["status"] != "rejected" or loaded["reason"]
    else:
        loaded = events.validate_event(payload)
        assert loaded["event_type"] == COMPONENTS["messages"][message]["name"]


def test_the_json_schema_checker_catches_what_the_contract_forbids():
    update = COMPONENTS["schemas"]["OpdStatusUpdate"]
    base = {"update_id": "6f0c2a51-9a7b-4d43-b0b4-1c2d3e4f5a6b", "referral_id": 1}
    assert violations({**base, "status": "accepted"}, update) == []
    assert violations({**base, "status": "completed"}, update)  # no evidence
    assert violations({**base, "status": "rejected", "reason": None}, update)
    assert violations({**base, "status": "done"}, update)
    assert violations({**base, "referral_id": "1", "status": "accepted"}, update)
    envelope = {"$ref": "#/components/schemas/Envelope"}
    assert violations({"event_id": "x", "typo": 1}, envelope)


def test_definitions_json_is_what_the_generator_writes():
    generator = _generator()
    path = ROOT / "deploy" / "rabbitmq" / "definitions.json"
    assert path.read_text(encoding="utf-8") == generator.render()
    assert broker_access.read_definitions() == generator.definitions()


def test_definitions_name_every_service_and_every_agency():
    definitions = broker_access.read_definitions()
    users = {user["name"]: user for user in definitions["users"]}
    services = {
        f"svc-{s}" for s in ("registry", "verification", "referral", "notifications", "gateway")
    }
    agencies = {f"opd-{code}" for code in reference.opd_codes()}
    assert set(users) == services | agencies
    assert all(
        user["hashing_algorithm"] == "rabbit_password_hashing_sha256" for user in users.values()
    )
    assert not any(user["tags"] for user in users.values())  # no management, no impersonator
    assert definitions["vhosts"] == [{"name": "sipmas"}]
    assert {(e["name"], e["type"], e["durable"]) for e in definitions["exchanges"]} == {
        (events.OPD_EXCHANGE, "topic", True),
        (events.OPD_INBOUND_EXCHANGE, "topic", True),
    }


def test_the_dev_password_hash_is_rabbitmqs_salted_sha256():
    generator = _generator()
    # guest/guest as RabbitMQ 3.10 stores it (salt = the first four bytes)
    known = "UNppvdm74xMrJyh070pfQ1FB1sRmnEGZlej6MfL4vE1I3L7D"
    import base64

    salt = base64.b64decode(known)[:4]
    assert generator.password_hash("guest", salt) == known


@pytest.mark.parametrize("code", sorted(reference.opd_codes()))
def test_each_agency_may_bind_and_publish_its_own_keys_only(code):
    definitions = broker_access.read_definitions()
    user = f"opd-{code}"
    grants = {g["exchange"]: g for g in definitions["topic_permissions"] if g["user"] == user}
    permission = next(p for p in definitions["permissions"] if p["user"] == user)
    others = sorted(reference.opd_codes() - {code})

    def matches(regex: str, value: str) -> bool:
        return bool(regex) and re.search(regex, value) is not None

    read = grants[events.OPD_EXCHANGE]["read"]
    for key in (f"referral.{code}.*", f"referral.{code}.#", f"referral.{code}.created"):
        assert matches(read, key)
    for key in ["#", "referral.#", "referral.*.*", f"referral.{code}", f"referral.{code}x.*"] + [
        f"referral.{other}.*" for other in others
    ]:
        assert not matches(read, key), key
    write = grants[events.OPD_INBOUND_EXCHANGE]["write"]
    assert matches(write, f"status.{code}")
    assert not any(matches(write, f"status.{other}") for other in others)
    assert not matches(write, f"status.{code}.x") and not matches(write, "status.#")
    assert grants[events.OPD_EXCHANGE]["write"] == grants[events.OPD_INBOUND_EXCHANGE]["read"] == ""
    for name in (f"opd.{code}.referrals", f"opd.{code}.x"):
        assert matches(permission["configure"], name)
    for name in [f"opd.{other}.referrals" for other in others] + [
        "amq.gen-x",
        "amq.topic",
        "amq.default",
        events.OPD_EXCHANGE,
        events.OPD_INBOUND_EXCHANGE,
        "referral.opd-inbound",
        f"opd.{code}",
    ]:
        assert not matches(permission["configure"], name), name
    assert matches(permission["write"], events.OPD_INBOUND_EXCHANGE)
    assert not matches(permission["write"], events.OPD_EXCHANGE)
    assert not matches(permission["write"], "amq.default")  # messaging trusts that exchange
    assert matches(permission["read"], events.OPD_EXCHANGE)
    assert not matches(permission["read"], events.OPD_INBOUND_EXCHANGE)
