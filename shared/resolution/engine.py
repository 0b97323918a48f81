"""The single entry point of resolution: what a document is, whose, from whom, and when.

Used by the document pipeline (:mod:`shared.pipeline.resolve`) and by the command-line
benchmark tool (:mod:`shared.resolve`), so both measure and run the same code.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.resolution.config import ResolutionConfig
from shared.resolution.customer import resolve_customer
from shared.resolution.dates import document_date
from shared.resolution.doctype import score_types
from shared.resolution.index import MasterIndex
from shared.resolution.office import resolve_office
from shared.resolution.text import prepare


class Candidate(BaseModel):
    """A candidate in the seed's shape: ``{id, name, score, furigana}`` (customers) or
    ``{id, name, score, shortName}`` (offices)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str
    name: str
    score: float
    furigana: str | None = None
    short_name: str | None = Field(default=None, alias="shortName")


class FieldScores(BaseModel):
    """Per-field confidence in [0, 1] (the top candidate's score; date and type their own)."""

    document_type: float = 0.0
    customer: float = 0.0
    office: float = 0.0
    file_date: float = 0.0


class ResolutionResult(BaseModel):
    """What resolution decided, with the evidence a person needs to confirm it."""

    document_type_id: str | None = None
    document_type_name: str
    category: str | None = None
    customer_id: str | None = None
    customer_name: str
    customer_confirmed: bool = False
    customer_candidates: list[Candidate] = Field(default_factory=list)
    is_duplicate_customer: bool = False
    office_id: str | None = None
    office_name: str | None = None
    office_confirmed: bool = False
    office_candidates: list[Candidate] = Field(default_factory=list)
    suggested_new_office: str | None = None
    care_manager: str | None = None
    file_date: date | None = None
    scores: FieldScores = Field(default_factory=FieldScores)

    def document_fields(self) -> dict[str, Any]:
        """The seed's document fields (camelCase) this result sets."""
        return {
            "documentType": self.document_type_name,
            "category": self.category,
            "fileDate": self.file_date,
            "customerName": self.customer_name,
            "customerId": self.customer_id,
            "customerCandidates": [
                c.model_dump(include={"id", "name", "score", "furigana"})
                for c in self.customer_candidates
            ],
            "customerConfirmed": self.customer_confirmed,
            "isDuplicateCustomer": self.is_duplicate_customer,
            "careManager": self.care_manager,
            "officeName": self.office_name or "",
            "officeId": self.office_id,
            "officeCandidates": [
                c.model_dump(include={"id", "name", "score", "short_name"}, by_alias=True)
                for c in self.office_candidates
            ],
            "officeConfirmed": self.office_confirmed,
            "suggestedNewOffice": self.suggested_new_office,
        }


def resolve_document(text: str, file_name: str, index: MasterIndex,
                     config: ResolutionConfig | None = None) -> ResolutionResult:
    """Resolve one document's OCR text (pages separated by form feeds) and file name."""
    cfg = config or ResolutionConfig()
    doc = prepare(text)

    types = score_types(doc, file_name, index)
    dtype = types[0].type if types and types[0].score >= cfg.doctype_floor else None
    type_score = types[0].score if types else 0.0

    if dtype is not None:
        file_date, date_conf = document_date(doc, dtype.date_marker)
    else:
        file_date, date_conf = None, 0.0

    cust = resolve_customer(doc, file_name, index, cfg)
    customer_candidates = [
        Candidate(id=c.id, name=c.name, score=s, furigana=c.furigana or None)
        for c, s in cust.candidates
    ]
    top_customer = cust.candidates[0][0] if cust.candidates else None
    top_customer_score = cust.candidates[0][1] if cust.candidates else 0.0
    show_top = top_customer is not None and (
        cust.confirmed or cust.same_name or top_customer_score >= cfg.customer_candidate_floor
    )

    off = resolve_office(doc, file_name, index, cfg)
    office_candidates = [
        Candidate(id=o.id, name=o.name, score=s, short_name=o.short_name)
        for o, s in off.candidates
    ]
    top_office = off.candidates[0][0] if off.candidates else None
    top_office_score = off.candidates[0][1] if off.candidates else 0.0
    show_office = top_office is not None and (
        off.confirmed or top_office_score >= cfg.office_candidate_floor
    )

    care_manager = None
    if top_customer is not None and cust.confirmed:
        care_manager = top_customer.care_manager

    return ResolutionResult(
        document_type_id=dtype.id if dtype else None,
        document_type_name=dtype.name if dtype else cfg.unknown_document_type,
        category=dtype.category if dtype else None,
        customer_id=top_customer.id if show_top and top_customer else None,
        customer_name=(top_customer.name if cust.confirmed and top_customer
                       else (top_customer.name if cust.same_name and top_customer
                             else cfg.unknown_customer_name)),
        customer_confirmed=cust.confirmed,
        customer_candidates=customer_candidates,
        is_duplicate_customer=cust.same_name,
        office_id=top_office.id if show_office and top_office else None,
        office_name=top_office.name if off.confirmed and top_office else None,
        office_confirmed=off.confirmed,
        office_candidates=office_candidates,
        suggested_new_office=off.suggested_new,
        care_manager=care_manager,
        file_date=file_date,
        scores=FieldScores(
            document_type=round(type_score, 4),
            customer=round(top_customer_score, 4),
            office=round(top_office_score, 4),
            file_date=round(date_conf, 4),
        ),
    )
