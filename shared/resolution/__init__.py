"""The resolution engine: document type, customer, office, care manager and date.

Entry point: :func:`shared.resolution.engine.resolve_document`. Masters are indexed once
(:class:`shared.resolution.index.MasterIndex`); every function here is pure (no I/O).
"""
