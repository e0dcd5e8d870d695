"""`codeexec`: thin commands over the stages; main.py registers them."""
