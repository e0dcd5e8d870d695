"""Makes `build/<stack>/`: the engine's pinned facts, the rendered templates, the bundle and
its manifest. `make engine` (engine_build.py) rebuilds the engine itself."""
