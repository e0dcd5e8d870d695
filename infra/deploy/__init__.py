"""Cloudflare: the Pulumi program and its components (the only modules importing pulumi),
the deployed KV ids, and `codeexec doctor`'s deploy checks."""
