"""Human decisions win: which fields a (re)processing run must leave alone.

A person's decision is recognised by who made it, not by a flag the pipeline itself sets
(the pipeline writes ``customerConfirmed: true`` for confident matches, with
``confirmedBy: null``):

- ``confirmedBy`` set → the customer fields are the person's;
- ``officeConfirmedBy`` set → the office fields are the person's;
- ``verified`` true or ``verifiedBy`` set → everything extracted (type, date, category,
  customer, office) was checked by a person;
- ``editedBy`` set → the fields listed in ``editedFields`` were edited by hand; when the
  client did not list them, every extracted field is treated as edited.
"""

from __future__ import annotations

from typing import Any

CUSTOMER_FIELDS = frozenset({
    "customerName", "customerId", "customerCandidates", "customerConfirmed", "confirmedBy",
    "confirmedAt", "isDuplicateCustomer", "careManager",
})
OFFICE_FIELDS = frozenset({
    "officeName", "officeId", "officeCandidates", "officeConfirmed", "officeConfirmedBy",
    "officeConfirmedAt", "suggestedNewOffice",
})
DOCUMENT_FIELDS = frozenset({"documentType", "fileDate", "category"})
EXTRACTED_FIELDS = CUSTOMER_FIELDS | OFFICE_FIELDS | DOCUMENT_FIELDS


def protected_fields(current: dict[str, Any]) -> frozenset[str]:
    """Fields of ``current`` that a person decided (the rules in the module doc)."""
    protected: set[str] = set()
    if current.get("confirmedBy"):
        protected |= CUSTOMER_FIELDS
    if current.get("officeConfirmedBy"):
        protected |= OFFICE_FIELDS
    if current.get("verified") is True or current.get("verifiedBy"):
        protected |= EXTRACTED_FIELDS
    if current.get("editedBy"):
        listed = current.get("editedFields")
        if isinstance(listed, list) and listed:
            protected |= {str(f) for f in listed}
        else:
            protected |= EXTRACTED_FIELDS
    return frozenset(protected)


def without_protected(update: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """``update`` minus every field a person decided in ``current``."""
    keep = protected_fields(current)
    return {k: v for k, v in update.items() if k not in keep}
