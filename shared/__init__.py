"""The product's shared library: everything the Cloud Functions have in common.

Each function under ``functions/<name>/main.py`` is a thin entry point that parses its
event into one of the typed views in :mod:`shared.events` and calls into this package.
"""
