"""Pulumi components, one per concern; `infra/program.py` wires them together."""
