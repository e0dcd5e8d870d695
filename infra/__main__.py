"""Pulumi entry (`main: infra/` in Pulumi.yaml): the stack's config, components, exports."""

from infra.program import run

run()
