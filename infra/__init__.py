"""Code execution service, by the stages a stack goes through:

stack/ (what a stack is) -> build/ (build/<stack>/) -> check/ (the deploy gate) ->
deploy/ (Cloudflare, through Pulumi); local/ runs a build on this machine and cli/ is
`codeexec`. errors.py and paths.py are shared by all of them.
"""
