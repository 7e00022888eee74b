"""A believable organisation for the demo: teams, services, flows and their decisions."""

import datetime
import json

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from . import roles, workflow
from .models import ContractImport, Decision, Drift, Flow, Notification, Review, Service, Team

DEMO_PASSWORD = "demo"  # noqa: S105 (demo data only, never created otherwise) # nosec B105
DEMO_USERS = [
    ("architect", "Ada", "Architect", roles.ARCHITECTS),
    ("reviewer", "Rui", "Reviewer", roles.REVIEWERS),
    ("manager", "Mona", "Manager", roles.VIEWERS),
]

TEAMS = {
    "Checkout": "Owns the web checkout and the cart.",
    "Payments": "Payment authorisation, billing and refunds.",
    "Fulfilment": "Stock, warehouses and shipping.",
    "Identity": "Sign-up, sign-in and one-time passwords.",
    "Customer Engagement": "Notifications, CRM and loyalty.",
    "Data Platform": "Analytics ingestion and search.",
}

SERVICES = {
    "checkout-api": "Checkout",
    "cart-service": "Checkout",
    "payment-gateway": "Payments",
    "billing": "Payments",
    "fraud-check": "Payments",
    "refunds": "Payments",
    "inventory": "Fulfilment",
    "warehouse": "Fulfilment",
    "shipping": "Fulfilment",
    "returns": "Fulfilment",
    "identity-service": "Identity",
    "otp-service": "Identity",
    "notification-service": "Customer Engagement",
    "email-sender": "Customer Engagement",
    "crm": "Customer Engagement",
    "loyalty": "Customer Engagement",
    "analytics-ingest": "Data Platform",
    "search-indexer": "Data Platform",
}
# What each service does, in a line.
SERVICE_TEXTS = {
    "checkout-api": "Takes the customer's order and payment details and places the order.",
    "cart-service": "Keeps each customer's basket while they shop.",
    "payment-gateway": "Authorises and captures card payments with the acquirer.",
    "billing": "Raises invoices and records what each customer owes and paid.",
    "fraud-check": "Screens orders for fraud before they are paid and shipped.",
    "refunds": "Pays money back for returns, cancellations and goodwill.",
    "inventory": "Knows how much stock each warehouse holds, and reserves it for orders.",
    "warehouse": "Picks and packs orders, and receives returned parcels.",
    "shipping": "Books carriers and tracks parcels to the customer's door.",
    "returns": "Handles a customer's return from request to refund.",
    "identity-service": "Customer accounts, sign-in and profiles.",
    "otp-service": "Sends and checks one-time passwords.",
    "notification-service": "Decides which customers hear about what, and on which channel.",
    "email-sender": "Sends transactional e-mail through the mail provider.",
    "crm": "The customer service team's view of each customer.",
    "loyalty": "Awards and spends loyalty points.",
    "analytics-ingest": "Loads business events into the data warehouse.",
    "search-indexer": "Keeps the storefront's product search up to date.",
}

# name: (producer, consumers, owner team, description)
FLOWS = {
    "Order placed": (
        "checkout-api",
        ["billing", "shipping", "loyalty", "analytics-ingest"],
        "Checkout",
        "What happens after a customer places an order: invoice, ship, reward, measure.",
    ),
    "Payment authorisation": (
        "checkout-api",
        ["payment-gateway"],
        "Payments",
        "Checkout asks the gateway whether the card payment is authorised.",
    ),
    "One-time password check": (
        "identity-service",
        ["otp-service"],
        "Identity",
        "Sign-in verifies the code the customer typed.",
    ),
    "Fraud screening": ("checkout-api", ["fraud-check"], "Payments", "Score an order for fraud before it ships."),
    "Reserve stock": ("checkout-api", ["inventory"], "Fulfilment", "Hold stock for the items of an order."),
    "Ship order": ("billing", ["shipping"], "Fulfilment", "Once paid, an order is handed to shipping."),
    "Customer registered": (
        "identity-service",
        ["crm", "loyalty", "notification-service"],
        "Identity",
        "A new customer account exists.",
    ),
    "Stock level changed": (
        "inventory",
        ["search-indexer", "analytics-ingest"],
        "Fulfilment",
        "The available quantity of an item changed.",
    ),
    "Refund issued": (
        "refunds",
        ["billing", "crm", "notification-service"],
        "Payments",
        "Money went back to a customer.",
    ),
    "Return requested": ("returns", ["warehouse", "refunds"], "Fulfilment", "A customer asked to send items back."),
    "Send transactional email": (
        "notification-service",
        ["email-sender"],
        "Customer Engagement",
        "Render and send one e-mail to one customer.",
    ),
    "Shipment dispatched": ("shipping", ["notification-service", "crm"], "Fulfilment", "A parcel left the warehouse."),
    "Loyalty points awarded": ("loyalty", ["notification-service"], "Customer Engagement", "A customer earned points."),
}

# The teams' message contracts, as AsyncAPI 3.0 documents: one per service, imported twice. The
# second import is the story the app is for: marketing started consuming the e-mail command and a
# field went, so the command decision that said "expected growth: stable" drifted.
CONTRACT_MESSAGES = {
    "SendEmail": ("Send transactional email", "command", "email.send",
                  {"to": "string", "template": "string", "locale": "string", "variables": "object"}),
    "OrderPlaced": ("Order placed", "event", "orders.placed",
                    {"orderId": "string", "customerId": "string", "total": "number", "currency": "string"}),
    "CartAbandoned": ("Cart abandoned", "event", "carts.abandoned", {"cartId": "string", "customerId": "string"}),
}  # fmt: skip
CONTRACTS_THEN = {
    "notification-service": (["SendEmail"], []),
    "email-sender": ([], ["SendEmail"]),
    "checkout-api": (["OrderPlaced", "CartAbandoned"], []),
    "billing": ([], ["OrderPlaced"]),
    "shipping": ([], ["OrderPlaced"]),
    "loyalty": ([], ["OrderPlaced"]),
    "analytics-ingest": ([], ["OrderPlaced"]),
    "crm": ([], ["CartAbandoned"]),
}
CONTRACTS_NOW = CONTRACTS_THEN | {
    "crm": ([], ["CartAbandoned", "SendEmail"]),
    "loyalty": ([], ["OrderPlaced", "SendEmail"]),
}


def contract_documents(services: dict, dropped: tuple[str, ...] = ()) -> list[tuple[str, bytes]]:
    """AsyncAPI 3.0 documents (JSON), one per service: what it sends and receives."""
    documents = []
    for service, (sends, receives) in services.items():
        channels, operations = {}, {}
        for action, keys in (("send", sends), ("receive", receives)):
            for key in keys:
                title, kind, address, fields = CONTRACT_MESSAGES[key]
                payload = {"type": "object", "required": sorted(set(fields) - set(dropped)), "properties": {
                    name: {"type": kind_} for name, kind_ in fields.items() if name not in dropped}}  # fmt: skip
                channels[key] = {"address": address, "messages": {key: {
                    "name": key, "title": title, "x-kind": kind, "payload": payload}}}  # fmt: skip
                operations[f"{action}{key}"] = {"action": action, "channel": {"$ref": f"#/channels/{key}"}}
        document = {"asyncapi": "3.0.0", "info": {"title": service, "version": "1.0.0"},
                    "channels": channels, "operations": operations}  # fmt: skip
        documents.append((f"{service}/asyncapi.json", json.dumps(document, indent=2).encode()))
    return documents


VIS, GRO, COO, COU = "visibility", "growth", "coordination", "coupling"


def _async(vis, gro, coo, cou, reasons=None):
    reasons = reasons or {}
    answers = {"caller_needs_result": False}
    for key, level, default in (
        (VIS, vis, "How much one place to follow the flow matters here."),
        (GRO, gro, "What we expect to react to this over the next two years."),
        (COO, coo, "What the teams run today for schemas, tracing and ownership."),
        (COU, cou, "How far the downstream sits from the sender's domain."),
    ):
        answers[key] = level
        answers[f"{key}_reason"] = reasons.get(key, default)
    return answers


def _sync(reason):
    return {"caller_needs_result": True, "sync_reason": reason}


# Each decision: (flow or None, title, status, style, decided_on, answers, sections, extra)
DECISIONS = [
    {
        "key": "order-commands",
        "flow": "Order placed",
        "title": "Send commands from checkout to billing and shipping",
        "status": "accepted",
        "style": "command",
        "decided": "2024-03-12",
        "tags": "orders,rabbitmq",
        "answers": _async(
            3,
            1,
            1,
            2,
            {
                VIS: "Support needs one place to see why an order was not invoiced or shipped.",
                GRO: "Only billing and shipping care today; nobody else has asked.",
                COO: "We have no schema registry and no tracing across queues yet.",
                COU: "Billing and shipping are close partners of checkout.",
            },
        ),
        "logic": "checkout-api orchestrates: it sends InvoiceOrder to billing and ShipOrder to shipping, "
        "and retries both.",
        "context": "Orders are placed in checkout-api. Billing and shipping must act on each order, and today "
        "support debugs failures by reading checkout's logs.",
        "decision": "Checkout sends two **commands** over RabbitMQ: `InvoiceOrder` to billing and "
        "`ShipOrder` to shipping.",
        "consequences": "* The flow is easy to follow in one service.\n* Checkout knows about billing and shipping, "
        "and every new reaction means a change to checkout.",
        "revise": {
            "context": "Orders are placed in checkout-api. Billing and shipping must act on each order. Support "
            "debugs failures by reading checkout's logs, and wants to keep doing so."
        },
    },
    {
        "key": "order-event",
        "flow": "Order placed",
        "title": "Publish OrderPlaced as an event",
        "status": "accepted",
        "style": "event",
        "decided": "2026-02-03",
        "tags": "orders,kafka",
        "supersedes": "order-commands",
        "answers": _async(
            2,
            3,
            3,
            3,
            {
                VIS: "Tracing across Kafka now gives support a view of the whole flow.",
                GRO: "Loyalty and analytics joined in 2025; marketing wants in next.",
                COO: "The platform team runs a schema registry and tracing for all topics.",
                COU: "Loyalty and analytics are separate domains checkout should not know.",
            },
        ),
        "logic": "Each consumer owns its reaction: billing invoices, shipping ships, loyalty awards points, "
        "analytics records. checkout-api only states that the order was placed.",
        "context": "Checkout had to change for every new reaction to an order (ADR-0001). "
        "Two more teams now need orders.",
        "decision": "Checkout publishes `OrderPlaced` on Kafka. Consumers subscribe and own what they do with it.",
        "consequences": "* New consumers need no change in checkout.\n* The logic moved into four consumers: "
        "each needs its own alerting, and the flow is only visible through tracing.",
        "considered_options": "| Option | For | Against |\n|---|---|---|\n| Keep commands | One place to debug | "
        "Checkout changes for every consumer |\n| Event | Extensible | Logic spreads |",
        "revise": {"title": "Publish OrderPlaced as an event on Kafka"},
    },
    {
        "key": "payment-sync",
        "flow": "Payment authorisation",
        "title": "Authorise card payments synchronously",
        "status": "accepted",
        "style": "sync",
        "decided": "2024-01-20",
        "tags": "payments",
        "answers": _sync(
            "The customer waits on the checkout page: without the gateway's answer we cannot "
            "confirm the order or ask for another card."
        ),
        "context": "Checkout needs to know whether the payment went through before it confirms the order.",
        "decision": "Checkout calls the payment gateway over HTTPS with a 3-second timeout and one retry.",
        "consequences": "Checkout is only as available as the gateway; we show a clear message when it times out.",
    },
    {
        "key": "otp-sync",
        "flow": "One-time password check",
        "title": "Check one-time passwords synchronously",
        "status": "accepted",
        "style": "sync",
        "decided": "2024-05-02",
        "tags": "identity,security",
        "answers": _sync("Sign-in cannot go on until we know the code is right."),
        "context": "Customers type a one-time password to sign in.",
        "decision": "identity-service calls otp-service synchronously and fails closed.",
        "consequences": "Sign-in depends on otp-service; it runs with three replicas.",
        "revise": {"consequences": "Sign-in depends on otp-service; it runs with three replicas across two zones."},
    },
    {
        "key": "fraud-command",
        "flow": "Fraud screening",
        "title": "Ask fraud-check to screen each order with a command",
        "status": "accepted",
        "style": "command",
        "decided": "2024-06-18",
        "tags": "payments,fraud",
        "answers": _async(
            3,
            1,
            2,
            1,
            {
                VIS: "Holding an order must be explainable from one place.",
                COU: "Fraud scoring is a utility for checkout.",
            },
        ),
        "logic": "checkout-api decides what to do with the score: release, hold or cancel the order.",
        "context": "Fraud screening takes up to 30 seconds; the customer should not wait.",
        "decision": "Checkout sends `ScreenOrder` and handles the `OrderScreened` reply.",
        "consequences": "Checkout keeps the hold/release logic.",
    },
    {
        "key": "stock-command",
        "flow": "Reserve stock",
        "title": "Reserve stock with a command to inventory",
        "status": "accepted",
        "style": "command",
        "decided": "2024-04-09",
        "tags": "inventory",
        "answers": _async(3, 1, 1, 2),
        "logic": "checkout-api orchestrates the reservation and its release on cancellation.",
        "context": "Stock must be held for an order shortly after it is placed.",
        "decision": "Checkout sends `ReserveStock`; inventory replies with the outcome.",
        "consequences": "Checkout must handle the reply and time-outs.",
    },
    {
        "key": "ship-command",
        "flow": "Ship order",
        "title": "Hand paid orders to shipping with a command",
        "status": "deprecated",
        "style": "command",
        "decided": "2024-07-01",
        "tags": "shipping",
        "answers": _async(3, 1, 1, 1),
        "logic": "billing tells shipping to ship once the payment has settled.",
        "context": "Shipping must only ship paid orders.",
        "decision": "Billing sends `ShipPaidOrder` to shipping.",
        "consequences": "Deprecated: shipping now reacts to OrderPlaced and checks payment itself (ADR-0002).",
    },
    {
        "key": "customer-event",
        "supersedes": "registered-command-old",
        "flow": "Customer registered",
        "title": "Publish CustomerRegistered as an event",
        "status": "accepted",
        "style": "event",
        "decided": "2025-01-14",
        "tags": "identity,kafka,crm",
        "answers": _async(1, 3, 3, 3),
        "logic": "CRM, loyalty and notifications each decide what a new customer means to them.",
        "context": "Three teams react to new customers and more are coming.",
        "decision": "identity-service publishes `CustomerRegistered`.",
        "consequences": "Identity never changes for a new reaction.",
    },
    {
        "key": "stock-event",
        "flow": "Stock level changed",
        "title": "Publish stock level changes as events",
        "status": "accepted",
        "style": "event",
        "decided": "2025-03-03",
        "tags": "inventory,search",
        "answers": _async(1, 3, 3, 2),
        "logic": "search-indexer and analytics each keep their own copy of stock levels.",
        "context": "Search and analytics both need fresh stock levels.",
        "decision": "inventory publishes `StockLevelChanged`, compacted by item.",
        "consequences": "Consumers are eventually consistent.",
    },
    {
        "key": "refund-balanced",
        "flow": "Refund issued",
        "title": "Publish RefundIssued as an event",
        "status": "accepted",
        "style": "event",
        "decided": "2025-09-22",
        "tags": "payments,refunds",
        "answers": _async(
            3,
            3,
            2,
            2,
            {VIS: "Finance audits every refund end to end.", GRO: "CRM and notifications today, the ledger next."},
        ),
        "justification": "Decoupling matters more: finance can audit through tracing and the ledger, "
        "while three teams need to react on their own schedules.",
        "logic": "Each consumer owns its reaction; refunds only records that money went back.",
        "context": "Refunds are audited, and several teams react to them.",
        "decision": "refunds publishes `RefundIssued`.",
        "consequences": "Audit relies on tracing and the ledger's own records.",
    },
    {
        "key": "return-command",
        "flow": "Return requested",
        "title": "Drive returns with commands from the returns service",
        "status": "proposed",
        "style": "command",
        "tags": "returns",
        "answers": _async(3, 2, 1, 2),
        "logic": "returns orchestrates: it books the warehouse slot, then asks refunds to pay back.",
        "context": "Returns follow strict steps: receive, inspect, refund.",
        "decision": "returns sends `ExpectReturn` to warehouse and `IssueRefund` to refunds.",
        "consequences": "The returns process is visible in one service.",
    },
    {
        "key": "email-command",
        "flow": "Send transactional email",
        "title": "Send e-mails through a command to email-sender",
        "status": "accepted",
        "style": "command",
        "decided": "2024-02-10",
        "tags": "notifications,email",
        "answers": _async(2, 1, 2, 1),
        "logic": "notification-service decides what to send; email-sender only delivers.",
        "context": "email-sender is a delivery utility.",
        "decision": "notification-service sends `SendEmail` commands.",
        "consequences": "email-sender stays simple.",
    },
    {
        "key": "dispatch-against",
        "flow": "Shipment dispatched",
        "title": "Send dispatch notices as commands for now",
        "status": "accepted",
        "style": "command",
        "decided": "2025-11-05",
        "tags": "shipping,notifications",
        "revisit": "2026-05-01",
        "answers": _async(1, 3, 2, 3, {GRO: "Customer care and marketing want dispatch news."}),
        "justification": "Visibility matters more this year: the shipping team cannot run event tooling until "
        "the platform migration ends. Revisit in May 2026.",
        "logic": "shipping tells notification-service and crm directly.",
        "context": "Dispatch notices must reach customers the same day.",
        "decision": "shipping sends `NotifyDispatch` commands to notification-service and crm.",
        "consequences": "Shipping knows two consumers; revisit once event tooling is in place.",
    },
    {
        "key": "loyalty-draft",
        "flow": "Loyalty points awarded",
        "title": "Tell customers about points by event",
        "status": "draft",
        "style": "event",
        "tags": "loyalty",
        "answers": _async(1, 2, 3, 3),
        "logic": "notification-service decides whether and how to tell the customer.",
        "context": "Loyalty wants customers to hear about their points.",
        "decision": "loyalty publishes `PointsAwarded`.",
        "consequences": "(to be written)",
    },
    {
        "key": "fraud-event-rejected",
        "flow": "Fraud screening",
        "title": "Publish orders for fraud screening as events",
        "status": "rejected",
        "style": "event",
        "decided": "2024-06-10",
        "tags": "fraud",
        "answers": _async(3, 1, 1, 1),
        "justification": "We hoped other risk services would join; none are planned.",
        "logic": "fraud-check would have owned the hold decision.",
        "context": "An alternative to ADR-0005.",
        "decision": "Rejected in favour of a command: checkout must own holding an order.",
        "consequences": "None.",
    },
    {
        "key": "kafka",
        "flow": None,
        "title": "Use Kafka as the event backbone",
        "status": "accepted",
        "decided": "2024-11-01",
        "tags": "kafka,platform",
        "context": "Teams run RabbitMQ and SQS side by side; events need replay and retention.",
        "decision": "All new events go to Kafka, run by the platform team. Commands may stay on RabbitMQ.",
        "consequences": "One place for schemas, retention and tracing of events.",
    },
    {
        "key": "cloudevents",
        "flow": None,
        "title": "Wrap every event in a CloudEvents envelope",
        "status": "accepted",
        "decided": "2024-12-02",
        "tags": "kafka,schemas",
        "context": "Consumers parse headers differently.",
        "decision": "Every event uses the CloudEvents 1.0 structured format:\n\n```json\n"
        '{"specversion": "1.0", "type": "order.placed", "source": "checkout-api"}\n```',
        "consequences": "Tracing ids travel the same way for everyone.",
    },
    {
        "key": "record",
        "flow": None,
        "title": "Record architecture decisions",
        "status": "accepted",
        "decided": "2024-01-05",
        "tags": "process",
        "context": "We need to record the architectural decisions made on this project.",
        "decision": "We use architecture decision records, as described by Michael Nygard, kept in Decision Log.",
        "consequences": "Decisions are searchable and reviewed in one place.",
    },
    {
        "key": "schema-registry",
        "flow": None,
        "title": "Require a registered schema for every event",
        "status": "proposed",
        "tags": "schemas,kafka",
        "context": "Two consumers broke last quarter when a producer renamed a field.",
        "decision": "Producers register Avro schemas; the registry refuses incompatible changes.",
        "consequences": "Producers need a build step to register schemas.",
    },
    {
        "key": "sqs",
        "flow": None,
        "title": "Move command queues from RabbitMQ to SQS",
        "status": "rejected",
        "decided": "2025-05-20",
        "tags": "platform",
        "context": "RabbitMQ upgrades are costly.",
        "decision": "Rejected: the migration costs more than the upgrades.",
        "consequences": "We keep RabbitMQ for commands.",
    },
    {
        "key": "outbox",
        "flow": None,
        "title": "Publish events through a transactional outbox",
        "status": "accepted",
        "decided": "2025-02-11",
        "tags": "kafka,reliability",
        "context": "Services lost events when Kafka was down after their database commit.",
        "decision": "Producers write events to an outbox table in the same transaction; a relay publishes them.",
        "consequences": "No lost events; a few seconds of delay.",
    },
    {
        "key": "tracing",
        "flow": None,
        "title": "Propagate trace context through every queue",
        "status": "draft",
        "tags": "observability",
        "context": "Event flows are hard to follow without traces.",
        "decision": "Every message carries W3C trace context.",
        "consequences": "Libraries for all three languages we use.",
    },
    {
        "key": "retries",
        "flow": None,
        "title": "Retry commands three times, then dead-letter",
        "status": "deprecated",
        "decided": "2024-03-01",
        "tags": "reliability,rabbitmq",
        "context": "Receivers sometimes fail briefly.",
        "decision": "Three retries with back-off, then a dead-letter queue.",
        "consequences": "Deprecated by the outbox and per-consumer retry policies.",
    },
    {
        "key": "cart-sync",
        "flow": "Reserve stock",
        "title": "Check stock synchronously while the cart is open",
        "status": "proposed",
        "style": "sync",
        "tags": "inventory,checkout",
        "answers": _sync("The cart page shows whether an item is still in stock before the customer pays."),
        "context": "Customers were surprised by out-of-stock messages after paying.",
        "decision": "cart-service asks inventory for availability when the cart is shown.",
        "consequences": "Inventory must answer within 200 ms at peak.",
    },
    {
        "key": "registered-command-old",
        "flow": "Customer registered",
        "title": "Tell CRM about new customers with a command",
        "status": "superseded",
        "style": "command",
        "decided": "2024-02-20",
        "tags": "identity,crm",
        "answers": _async(3, 1, 1, 2),
        "logic": "identity-service called CRM directly.",
        "context": "Only CRM needed new customers at the time.",
        "decision": "identity-service sends `CreateCrmContact`.",
        "consequences": "Superseded when loyalty and notifications needed new customers too.",
    },
]

# What the reviewer asked on each proposal, the author's answer, and the review: written for each decision.
CONVERSATIONS = {
    "record": (
        "Do we record decisions made before today, or only new ones?",
        "New ones, plus the flows we touch next: no big backfill.",
        "Yes. A short record per flow beats a wiki page nobody updates.",
    ),
    "payment-sync": (
        "Could checkout show the order as pending while the payment settles?",
        "Not for cards: the customer must know now whether the card was accepted.",
        "Agreed: the caller cannot go on without the answer, so sync it is.",
    ),
    "email-command": (
        "Do other teams need to know that an e-mail went out?",
        "Not today; only support looks, and it reads the email-sender log.",
        "One receiver that does the work: a command fits. Revisit if marketing wants the events.",
    ),
    "registered-command-old": (
        "Is CRM the only service that cares about new customers?",
        "For now, yes. Loyalty is a year away.",
        "Fine while CRM is the only consumer; note the revisit when loyalty starts.",
    ),
    "retries": (
        "Three retries with what back-off? Shipping's partner API rate-limits us.",
        "1, 5 and 25 seconds, then the dead-letter queue with an alert.",
        "Good enough to start; we should make it per-queue later.",
    ),
    "order-commands": (
        "Checkout will now know billing and shipping by name. Is that coupling acceptable?",
        "For two consumers that we own, yes; it keeps the order flow easy to follow.",
        "Approved, with the revisit date: if a third consumer appears, this should become an event.",
    ),
    "stock-command": (
        "What happens to the order if inventory does not answer in time?",
        "The command is retried; after the last retry the order goes to manual review.",
        "Reserving stock is a request to one owner: command is right.",
    ),
    "otp-sync": (
        "Could the one-time password check be queued when the SMS gateway is slow?",
        "No: the login page waits for the answer, so it must be synchronous.",
        "Sync, with a short timeout. Approved.",
    ),
    "fraud-event-rejected": (
        "If fraud screening listens to an event, who makes sure every order is screened?",
        "Nobody would own that guarantee; that is the weak point.",
        "Screening must happen for every order and block payment: this needs a command.",
    ),
    "fraud-command": (
        "Does fraud-check answer with a verdict the order service waits for?",
        "It replies with FraudVerdict on its own queue; the order waits in 'screening'.",
        "Command with a reply: the order owns the process. Approved.",
    ),
    "ship-command": (
        "Once shipping moves to the partner's platform, who sends this command?",
        "The order service keeps sending it; the partner adapter receives it.",
        "Approved for now; the partner move will need a new decision.",
    ),
    "kafka": (
        "Do we run Kafka ourselves or take the managed offer?",
        "Managed: the platform team has no on-call for brokers.",
        "Agreed. Keep the topic naming rules in the platform handbook.",
    ),
    "cloudevents": (
        "Does the envelope add much to every message?",
        "About 300 bytes of headers; schema and tracing tools read them for free.",
        "Worth it for the tooling. Approved.",
    ),
    "customer-event": (
        "Three teams want new customers now: CRM, loyalty and notifications. One event?",
        "Yes: identity publishes CustomerRegistered and each team subscribes.",
        "The consumers grew, so the command stopped fitting: publish the event.",
    ),
    "outbox": (
        "Where does the outbox relay run, and who watches its lag?",
        "Beside each producing service; lag is on the platform dashboard with an alert at one minute.",
        "This closes the lost-event gap we saw in the refund incident. Approved.",
    ),
    "stock-event": (
        "Will the storefront and the buyers' tools both read these changes?",
        "Yes, and analytics later; none of them should slow inventory down.",
        "Many readers, none known to inventory: an event.",
    ),
    "sqs": (
        "What do we gain from SQS over the RabbitMQ we already run?",
        "Less to operate, but we lose the routing our command queues rely on.",
        "The migration costs more than it saves while we move to events anyway.",
    ),
    "refund-balanced": (
        "Finance wants to see every refund. Does an event give them that?",
        "Yes: finance subscribes, and support's tools can follow without asking billing.",
        "The factors were balanced; visibility for finance tips it to an event.",
    ),
    "dispatch-against": (
        "The factors point to an event. Why a command for now?",
        "The only receiver is the carrier integration, and it needs delivery guarantees today.",
        "Accepting the justification, with a revisit once the tracking page needs these too.",
    ),
    "order-event": (
        "Which of billing and shipping's logic moves out of checkout with this?",
        "Checkout only announces OrderPlaced; billing and shipping decide what to do with it.",
        "This is the move the revisit asked for: publish the event, and the consumers own their reactions.",
    ),
    "return-command": (
        "Should the warehouse learn about returns from a command or from an event?",
        "A command: the returns service drives the process and needs the warehouse's answer.",
        None,
    ),
    "schema-registry": (
        "Is a registered schema required for internal topics too?",
        "Yes, every event: the internal ones break consumers just as often.",
        None,
    ),
    "cart-sync": (
        "How long can the cart wait for inventory before it feels slow?",
        "Under 200 ms at p95; inventory answers in 40 ms today.",
        None,
    ),
}

SECTION_FIELDS = {
    "context": "context",
    "decision": "decision_text",
    "consequences": "consequences",
    "considered_options": "considered_options",
}


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _filed(decided: datetime.date | None) -> datetime.date:
    """Filed three weeks before it was decided; undecided ones in the last fortnight."""
    return decided - datetime.timedelta(days=21) if decided else timezone.localdate() - datetime.timedelta(days=12)


def is_loaded() -> bool:
    return User.objects.filter(username="architect").exists() and Decision.objects.exists()


# The demo's own story should not mail its users.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
@transaction.atomic
def load_demo(log=print) -> None:
    roles.sync_roles(Group, Permission)  # the roles migration made them; a flushed database has none
    users = {}
    for username, first, last, role in DEMO_USERS:
        user = User.objects.create_user(
            username, f"{username}@example.org", DEMO_PASSWORD, first_name=first, last_name=last
        )
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    architect, reviewer = users["architect"], users["reviewer"]
    log(f"  {len(users)} demo users")
    teams = {name: workflow.team_save(team=Team(name=name, description=text)) for name, text in TEAMS.items()}
    services = {
        name: workflow.service_save(
            service=Service(
                name=name,
                team=teams[team],
                description=SERVICE_TEXTS[name],
                repository=f"https://git.example.org/{teams[team].name.lower().replace(' ', '-')}/{name}",
                contacts=f"#{name} on chat; on call: {team} rota",
            )
        )
        for name, team in SERVICES.items()
    }
    flows = {}
    for name, (producer, consumers, owner, description) in FLOWS.items():
        flow = Flow(name=name, producer=services[producer], owner_team=teams[owner], description=description)
        flows[name] = workflow.flow_save(flow=flow, consumers=[services[c] for c in consumers])
    log(f"  {len(teams)} teams, {len(services)} services, {len(flows)} flows")

    # Oldest first, so numbers follow the story and supersessions point backwards.
    made: dict[str, Decision] = {}
    clock = _Clock()
    for spec in sorted(DECISIONS, key=lambda d: d.get("decided") or "9999"):
        decision = Decision(
            title=spec["title"],
            flow=flows.get(spec.get("flow")),
            style=spec.get("style", ""),
            tags=spec.get("tags", ""),
            deciders="Ada Architect, Rui Reviewer",
            logic_location=spec.get("logic", ""),
            justification=spec.get("justification", ""),
            revisit_on=_date(spec.get("revisit")),
            supersedes=made.get(spec.get("supersedes")),
            **{SECTION_FIELDS[k]: spec[k] for k in SECTION_FIELDS if k in spec},
            **spec.get("answers", {}),
        )
        clock.step(_at(_filed(_date(spec.get("decided"))), 9))
        workflow.decision_create(decision=decision, by=architect)
        _play(spec, decision, architect, reviewer, clock)
        made[spec["key"]] = decision
    _tell(made, {spec["key"]: spec for spec in DECISIONS}, clock)
    for documents in (contract_documents(CONTRACTS_THEN), contract_documents(CONTRACTS_NOW, dropped=("locale",))):
        workflow.contracts_import(documents, source="platform-contracts", via=ContractImport.Via.UPLOAD, by=architect)
    log(f"  {ContractImport.objects.count()} contract imports, {Drift.objects.count()} drifts found")
    _notifications_read(users)
    log(f"  {Decision.objects.count()} decisions with {Decision.history.count()} revisions")


class _Clock:
    """When each step of the story was written, and when it stands for (workflow.decision_backdate)."""

    def __init__(self) -> None:
        self.anchors: list[tuple[datetime.datetime, datetime.datetime]] = []

    def step(self, told: datetime.datetime) -> None:
        self.anchors.append((timezone.now(), told))


def _play(spec: dict, decision: Decision, architect: User, reviewer: User, clock: _Clock) -> None:
    """Take a decision through the workflow to the status its story ends in: filed three weeks
    before its decision date, reviewed in between, deprecated months later; a proposal or a draft
    in the last fortnight."""
    decided = _date(spec.get("decided"))
    filed = _filed(decided)
    if spec.get("revise"):
        clock.step(_at(filed + datetime.timedelta(days=1), 15))
        workflow.decision_edit(decision=decision, by=architect, changes=dict(spec["revise"]))
    status = spec["status"]
    if status == "draft":
        return
    question, answer, review = CONVERSATIONS[spec["key"]]
    clock.step(_at(filed + datetime.timedelta(days=3), 9))
    workflow.decision_propose(decision=decision, by=architect, reviewers=[reviewer], note="Ready for review.")
    clock.step(_at(filed + datetime.timedelta(days=5), 11))
    asked = workflow.comment_post(decision=decision, by=reviewer, body=question)
    clock.step(_at(filed + datetime.timedelta(days=6), 14))
    workflow.comment_post(decision=decision, by=architect, body=answer, parent=asked)
    if status == "proposed":
        return
    clock.step(_at(decided - datetime.timedelta(days=3), 16))
    verdict = Review.Verdict.REQUEST_CHANGES if status == "rejected" else Review.Verdict.APPROVE
    workflow.review_submit(decision=decision, by=reviewer, verdict=verdict, body=review)
    clock.step(_at(decided, 10))
    if status == "rejected":
        workflow.decision_transition(
            decision=decision, to="rejected", by=architect, note="The review showed a better option."
        )
        return
    workflow.decision_transition(decision=decision, to="accepted", by=architect, note="Agreed in the review.")
    if status == "deprecated":
        clock.step(_at(decided + datetime.timedelta(days=150), 10))
        workflow.decision_transition(decision=decision, to="deprecated", by=architect, note="No longer how we work.")


def _tell(made: dict[str, Decision], specs: dict[str, dict], clock: _Clock) -> None:
    """Date every record as the story has it."""
    for key, decision in made.items():
        workflow.decision_backdate(decision=decision, anchors=clock.anchors, decided=_date(specs[key].get("decided")))


def _notifications_read(users: dict[str, User], unread: int = 4) -> None:
    """People start with the last few notifications of the story unread, not every one of them."""
    for user in users.values():
        older = Notification.objects.filter(recipient=user).order_by("-created_at").values_list("pk", flat=True)
        Notification.objects.filter(pk__in=list(older[unread:])).update(read_at=F("created_at"))
