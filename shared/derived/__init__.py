"""Derived data kept consistent with ``documents``: group keys, groups, search index."""
