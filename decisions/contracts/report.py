"""What a contracts import did, as its page, the command and the API tell it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class ContractReport:
    source: str = ""
    committed: bool = False
    import_id: int | None = None
    documents: list[dict] = field(default_factory=list)  # facts.DocumentCounts as dicts
    refused: list[dict] = field(default_factory=list)  # {"path", "reasons"}
    services_matched: list[list[str]] = field(default_factory=list)  # [name in the contracts, name in the app]
    services_created: list[list[str]] = field(default_factory=list)  # [name, team]
    flows_created: list[str] = field(default_factory=list)
    flows_linked: list[list[str]] = field(default_factory=list)  # [message, flow it was matched to]
    flows_changed: list[str] = field(default_factory=list)
    flows_unchanged: int = 0
    flows_gone: list[str] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)  # messages received but sent by no service: no flow
    drifts: list[dict] = field(default_factory=list)  # {"decision", "flow", "title", "evidence"}

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ContractReport:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def summary(self) -> str:
        if not self.committed:
            return f"Nothing was imported: {len(self.refused)} file{'s' if len(self.refused) != 1 else ''} refused."
        parts = [
            f"{len(self.documents)} document{'s' if len(self.documents) != 1 else ''} read",
            f"{len(self.services_created)} services created, {len(self.services_matched)} matched",
            f"{len(self.flows_created)} flows created, {len(self.flows_linked)} linked, "
            f"{len(self.flows_changed)} changed, {self.flows_unchanged} unchanged",
        ]
        if self.drifts:
            parts.append(f"{len(self.drifts)} drift{'s' if len(self.drifts) != 1 else ''} found")
        return "; ".join(parts) + "."
