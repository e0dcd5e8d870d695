"""Pulumi components, one per concern; `infra/deploy/program.py` wires them together."""
