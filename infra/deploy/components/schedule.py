"""The cron trigger that runs the Worker's scheduled handler (usage roll-ups)."""

from __future__ import annotations

import pulumi
import pulumi_cloudflare as cloudflare


class UsageRollupSchedule(pulumi.ComponentResource):
    """Runs the Worker's `scheduled` handler on `cron`; `schedules` echoes what was declared."""

    schedules: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        account_id: str,
        script_name: pulumi.Input[str],
        cron: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("codeexec:cloudflare:UsageRollupSchedule", name, None, opts)
        trigger = cloudflare.WorkersCronTrigger(
            f"{name}-cron",
            account_id=account_id,
            script_name=script_name,
            schedules=[cloudflare.WorkersCronTriggerScheduleArgs(cron=cron)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.schedules = trigger.schedules.apply(lambda items: [item.cron for item in items or []])
        self.register_outputs({"schedules": self.schedules})
