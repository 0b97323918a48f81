"""Event handlers: what each function's ``main.py`` calls with its raw CloudEvent."""
