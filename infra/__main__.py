"""Pulumi entry (`main: infra/` in Pulumi.yaml): the stack's config, components, exports."""

from infra.deploy.program import run

run()
