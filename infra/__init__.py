"""Code execution service: stack config, Worker build, local runtime and deployment."""
