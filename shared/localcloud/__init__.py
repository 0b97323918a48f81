"""The local cloud: real emulators, functions under functions-framework, an event router.

Development and test tooling only; it is not deployed with the functions.
"""
