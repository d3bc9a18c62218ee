"""A trivial dynamic resource for the toolchain smoke test: proves the provider host starts, the
provider pickles by reference (it lives in an importable module) and outputs come back."""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider, UpdateResult


class EchoProvider(ResourceProvider):
    """Echoes its input back as an output."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=uuid.uuid4().hex, outs=self._outputs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._outputs(news))

    @staticmethod
    def _outputs(props: dict[str, Any]) -> dict[str, Any]:
        return {"value": props["value"], "echoed": props["value"]}


class Echo(Resource, module="smoke", name="Echo"):
    """A resource whose `echoed` output equals its `value` input."""

    echoed: pulumi.Output[str]

    def __init__(
        self, name: str, value: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(EchoProvider(), name, {"value": value, "echoed": None}, opts)
