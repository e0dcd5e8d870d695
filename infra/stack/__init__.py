"""What a stack is: its typed config, its usage config, its bindings and the platform's limits.

Imports nothing from the other stages; every other package reads it.
"""
