"""The contract readers on the real documents in ../shared/contracts: the counts its README gives."""

import json

import pytest

from decisions.contracts import asyncapi, documents, reader
from decisions.contracts.facts import Reading

from .helpers import ASYNCAPI, CATALOG, CONTRACTS, folder_files

V3, V2, JSON_DOCS = ASYNCAPI / "v3.0.0", ASYNCAPI / "v2.6.0", CONTRACTS / "asyncapi__spec-json-schemas" / "test-docs"

# file: (channels, operations by action, messages defined, messages used, servers)
DOCUMENTS = {
    "streetlights-kafka-asyncapi.yml": (4, {"send": 3, "receive": 1}, 3, 3,
                                        {"scram-connections": "kafka-secure test.mykafkacluster.org:18092",
                                         "mtls-connections": "kafka-secure test.mykafkacluster.org:28092"}),
    "slack-rtm-asyncapi.yml": (1, {"send": 1, "receive": 1}, 48, 47, {"production": "https 1.1 slack.com"}),
    "kraken-websocket-request-reply-multiple-channels-asyncapi.yml": (7, {"send": 2, "receive": 3}, 8, 8, {}),
    "adeo-kafka-request-reply-asyncapi.yml": (2, {"send": 1, "receive": 1}, 2, 2,
                                              {"production": "kafka-secure prod.url:9092",
                                               "staging": "kafka-secure staging.url:9092",
                                               "dev": "kafka-secure dev.url:9092"}),
    "operation-security-asyncapi.yml": (1, {"send": 1, "receive": 0}, 1, 1, {}),
    "social-media/backend/asyncapi.yaml": (4, {"send": 2, "receive": 2}, 0, 4,
                                           {"websiteWebSocketServer": "ws mycompany.com",
                                            "mosquitto": "mqtt test.mosquitto.org"}),
    "social-media/comments-service/asyncapi.yaml": (2, {"send": 1, "receive": 1}, 0, 2,
                                                    {"mosquitto": "mqtt test.mosquitto.org"}),
    "social-media/frontend/asyncapi.yaml": (2, {"send": 1, "receive": 1}, 0, 2,
                                            {"websiteWebSocketServer": "ws mycompany.com"}),
    "social-media/notification-service/asyncapi.yaml": (1, {"send": 0, "receive": 1}, 0, 1,
                                                        {"mosquitto": "mqtt test.mosquitto.org"}),
    "social-media/public-api/asyncapi.yaml": (1, {"send": 0, "receive": 1}, 0, 1,
                                              {"mosquitto": "mqtt test.mosquitto.org"}),
    "v2:streetlights-mqtt.yml": (4, {"publish": 1, "subscribe": 3}, 3, 3,
                                 {"production": "mqtt test.mosquitto.org:{port}"}),
    "v2:slack-rtm.yml": (1, {"publish": 1, "subscribe": 1}, 48, 47,
                         {"production": "https 1.1 https://slack.com/api/rtm.connect"}),
    "v2:gitter-streaming.yml": (1, {"publish": 0, "subscribe": 1}, 2, 2,
                                {"production": "https 1.1 https://stream.gitter.im/v1"}),
    "json:3.0.0/streetlights-all.json": (5, {"send": 10, "receive": 0}, 8, 5, {}),
    "json:3.0.0/streetlights-avro.json": (1, {"send": 2, "receive": 0}, 1, 1, {}),
}  # fmt: skip


def _read(name: str) -> Reading:
    root = {"v2": V2, "json": JSON_DOCS}.get(name.split(":")[0], V3)
    path = name.split(":")[-1]
    files = folder_files(root)
    if "social-media" not in path:  # alone, as a team's CI would send it
        files = [(p, data) for p, data in files if p == path]
    reading = reader.read(files)
    return reading, path


@pytest.mark.parametrize("name", DOCUMENTS)
def test_each_asyncapi_document_imports_with_the_readme_counts(name):
    reading, path = _read(name)
    assert reading.refused == []
    counts = next(d for d in reading.documents if d.path == path)
    channels, operations, defined, used, servers = DOCUMENTS[name]
    assert counts.counts["channels"] == channels
    assert {k: counts.counts[k] for k in operations} == operations
    assert counts.counts["operations"] == sum(operations.values())
    assert (counts.counts["messages defined"], counts.counts["messages used"]) == (defined, used)
    assert counts.servers == servers


def test_the_social_media_services_share_their_channels_as_flows():
    reading, _ = _read("social-media/backend/asyncapi.yaml")
    flows = {f.message.key: (f.producers, f.consumers) for f in reading.flows()}
    assert flows["commentLiked on comment/liked"] == (
        ["Website Backend"],
        ["Comments Service", "Notifications Service", "Public API"],
    )
    assert flows["commentChanged on comment/{commentId}/changed"] == (["Comments Service"], ["Website Backend"])
    assert flows["likeComment on like/comment"] == (["Website WebSocket Client"], ["Website Backend"])
    assert flows["updateCommentLikes on update/comment/likes"] == (["Website Backend"], ["Website WebSocket Client"])


def test_asyncapi_2_verbs_are_the_clients_and_3_replies_are_sent_by_the_receiver():
    reading, _ = _read("v2:streetlights-mqtt.yml")
    service = reading.services["Streetlights MQTT API"]
    # `publish` on the measured channel: clients publish, so the application receives it.
    assert list(service.receives) == [
        "lightMeasured on smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured"
    ]
    assert len(service.sends) == 3
    reading, _ = _read("kraken-websocket-request-reply-multiple-channels-asyncapi.yml")
    kraken = reading.services["Kraken Websockets API"]
    assert "ping on /" in kraken.receives and "pong on /" in kraken.sends


def test_a_message_kind_comes_from_an_x_property_never_from_its_name():
    reading, _ = _read("streetlights-kafka-asyncapi.yml")
    assert {m.kind for m in reading.messages.values()} == {"unknown"}  # "turnOnOff" reads like a command: not guessed
    doc = {"asyncapi": "3.0.0", "info": {"title": "Billing", "version": "2.1.0"},
           "channels": {"invoices": {"address": "invoices", "messages": {"InvoiceIssued": {
               "x-kind": "event", "payload": {"type": "object", "properties": {"total": {"type": "number"}},
                                               "required": ["total"]}}}}},
           "operations": {"issue": {"action": "send", "channel": {"$ref": "#/channels/invoices"}}}}  # fmt: skip
    reading = reader.read([("billing.json", json.dumps(doc).encode())])
    (message,) = reading.messages.values()
    assert (message.kind, message.version, message.channel) == ("event", "2.1.0", "invoices")
    assert message.fields == [{"name": "total", "type": "number", "required": True}]


def test_the_event_catalog_imports_with_the_readme_counts_and_its_fourteen_pairs():
    reading = reader.read(folder_files(CATALOG))
    (counts,) = reading.documents
    assert {k: counts.counts[k] for k in ("services", "events", "commands", "queries", "channels", "flows",
                                          "domains", "teams", "users")} == {
        "services": 6, "events": 15, "commands": 10, "queries": 7, "channels": 3, "flows": 2, "domains": 3,
        "teams": 4, "users": 23,
    }  # fmt: skip
    assert counts.counts["versioned"] == 10  # 2 domains, 2 services, 4 events, 1 query, 1 flow
    pairs = {(p, f.message.key, c) for f in reading.flows() for p in f.producers for c in f.consumers}
    assert len(pairs) == 14
    assert ("Orders Service", "AddInventory", "Inventory Service") in pairs
    kinds = {m.key: m.kind for m in reading.messages.values()}
    assert (kinds["AddInventory"], kinds["InventoryAdjusted"], kinds["GetOrder"]) == ("command", "event", "query")
    adjusted = reading.messages["InventoryAdjusted"]
    assert adjusted.version == "1.0.1" and adjusted.channel == "inventory.{env}.events"
    assert adjusted.schema_format == "Avro" and adjusted.fields  # schemaPath chose the .avro of three
    assert reading.services["Inventory Service"].team == "The order management team"
    assert any("receives InventoryAdjusted 0.0.3" in note for note in counts.notes)
    unsent = {f.message.key for f in reading.flows() if not f.producers}
    assert {"PlaceOrder", "CancelShipment", "PaymentInitiated"} <= unsent


def test_an_invalid_document_is_refused_with_the_validators_reasons_in_plain_words():
    doc = b"asyncapi: 3.0.0\ninfo:\n  version: 1.0.0\nchannels: []\n"
    reading = reader.read([("bad.yaml", doc)])
    ((path, reasons),) = reading.refused
    assert path == "bad.yaml"
    assert "At info: “title” is missing." in reasons
    assert "At channels: this should be an object (a mapping of names to values)." in reasons
    reading = reader.read([("new.yaml", b"asyncapi: 3.1.0\ninfo: {title: x, version: '1'}\n")])
    assert "not a version this app reads" in reading.refused[0][1][0]


def test_older_2x_documents_are_checked_against_the_2_6_schema():
    text = (V2 / "gitter-streaming.yml").read_bytes().replace(b"asyncapi: '2.6.0'", b"asyncapi: '2.2.0'")
    reading = reader.read([("gitter.yml", text)])
    assert reading.refused == [] and "checked against the 2.6.0 schema" in reading.documents[0].notes[0]


@pytest.mark.parametrize(
    "text, reason",
    [
        (b"a: &a [1]\n" + b"".join(f"b{i}: &b{i} [*a, *a]\n".encode() for i in range(120)), "YAML aliases"),
        (b"a: " + b"[" * 200 + b"]" * 200 + b"\n", "nests deeper"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"a: [1, 2\n", "not valid YAML"),
    ],
)
def test_hostile_files_are_refused_in_plain_words(text, reason):
    with pytest.raises(documents.Unreadable, match=reason):
        documents.load("x.yaml", text)


def test_a_reference_bomb_is_refused_before_it_grows():
    # Each level refers to the one below twice: 2**40 values once followed.
    levels = {f"l{i}": {"a": {"$ref": f"#/l{i + 1}"}, "b": {"$ref": f"#/l{i + 1}"}} for i in range(40)}
    doc = {"asyncapi": "3.0.0", "info": {"title": "Bomb", "version": "1", "x-bomb": {"$ref": "#/l0"}}, **levels}
    reading = reader.read([("bomb.json", json.dumps(doc).encode())])
    assert "grows past" in reading.refused[0][1][0]


def test_references_loop_are_cut_and_web_references_are_not_fetched():
    node = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
    remote = {"$ref": "https://example.org/remote.json"}
    doc = {"asyncapi": "3.0.0", "info": {"title": "Loop", "version": "1"},
           "components": {"schemas": {"Node": node, "Remote": remote}}}  # fmt: skip
    reading = reader.read([("loop.json", json.dumps(doc).encode())])
    assert reading.refused == []
    notes = " ".join(reading.documents[0].notes)
    assert "refers back to itself" in notes and "on the web and was not fetched" in notes


def test_nothing_to_read_says_what_was_looked_for():
    with pytest.raises(reader.NothingToRead, match="No AsyncAPI document"):
        reader.read([("notes.txt", b"hello")])


def test_the_shipped_schemas_are_the_official_ones():
    for version in ("2.6.0", "3.0.0"):
        shipped = (asyncapi.SCHEMAS / f"{version}.json").read_bytes()
        assert shipped == (CONTRACTS / "asyncapi__spec-json-schemas" / "schemas" / f"{version}.json").read_bytes()
    assert (asyncapi.SCHEMAS / "LICENSE").exists() and (asyncapi.SCHEMAS / "NOTICE").exists()
