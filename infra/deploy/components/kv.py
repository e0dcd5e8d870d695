"""The stack's KV namespaces, one per binding name the Worker reads (infra/stack/bindings.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_cloudflare as cloudflare

from infra.stack.bindings import namespace_title


class KvNamespaces(pulumi.ComponentResource):
    """Creates one KV namespace per binding; `ids` maps binding name -> namespace id."""

    ids: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        *,
        account_id: str,
        worker_name: str,
        bindings: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("codeexec:cloudflare:KvNamespaces", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namespaces = {
            binding: cloudflare.WorkersKvNamespace(
                f"{name}-{binding.lower()}",
                account_id=account_id,
                title=namespace_title(worker_name, binding),
                opts=child,
            )
            for binding in bindings
        }
        self.namespaces = namespaces
        bindings_in_order = list(namespaces)

        def by_binding(ids: list[str]) -> dict[str, str]:
            return dict(zip(bindings_in_order, ids, strict=True))

        self.ids = pulumi.Output.all(*[namespace.id for namespace in namespaces.values()]).apply(by_binding)
        self.register_outputs({"ids": self.ids})
