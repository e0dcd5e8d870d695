"""Where the Worker answers besides workers.dev: zone routes and a custom domain."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_cloudflare as cloudflare


class PublicEndpoints(pulumi.ComponentResource):
    """Declares the configured routes (in `zone_id`) and the custom domain, if any."""

    hostnames: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        account_id: str,
        script_name: pulumi.Input[str],
        zone_id: str | None,
        routes: Sequence[str],
        custom_domain: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("codeexec:cloudflare:PublicEndpoints", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if routes and zone_id is None:
            raise ValueError("routes need a zone id")  # infra/stack/config.py rejects this first
        self.routes = [
            cloudflare.WorkersRoute(
                f"{name}-route-{index}", zone_id=zone_id, pattern=pattern, script=script_name, opts=child
            )
            for index, pattern in enumerate(routes)
        ]
        self.custom_domain = (
            cloudflare.WorkersCustomDomain(
                f"{name}-domain",
                account_id=account_id,
                hostname=custom_domain,
                service=script_name,
                zone_id=zone_id,
                opts=child,
            )
            if custom_domain
            else None
        )
        hosts = [pattern.split("/", 1)[0] for pattern in routes] + ([custom_domain] if custom_domain else [])
        self.hostnames = pulumi.Output.from_input(hosts)
        self.register_outputs({"hostnames": self.hostnames})
