"""This machine: the dev server (workerd through Miniflare, with a local KV), `.dev.vars`,
the record of a running `codeexec dev`, and stopping the processes the project starts."""
