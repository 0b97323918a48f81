"""The counseling application's collections (seed 000, written for PostgreSQL).

The seed is SQL; here each table is a top-level collection, each row a document whose id
is the row's primary key, and column names are camelCase like seed 004 (``is_active`` →
``isActive``). Users are in :mod:`shared.models.users` (one ``users`` collection for both
applications). Note the name clash: the document side's customers (利用者) are masters at
``masters/customers/items``; the top-level ``customers`` collection is this seed's.

==========================  =========================================================
SQL (seed 000)              Firestore
==========================  =========================================================
clinics.id                  ``clinics/{clinicId}`` document id
clinics.name/address/phone  ``name`` / ``address`` / ``phone``
*.created_at / updated_at   ``createdAt`` / ``updatedAt`` (timestamps, UTC)
users.id                    ``users/{uid}`` document id = Firebase Auth uid
users.password_hash         not stored: Firebase Auth holds credentials
users.clinic_id, is_active  ``clinicId``, ``isActive``
customers.id                ``customers/{customerId}`` document id
customers.clinic_id         ``clinicId``
sessions.id                 ``sessions/{sessionId}`` document id
sessions.customer_id        ``customerId``
sessions.counselor_id       ``counselorId`` (uid; null when the counselor was removed,
                            as ``ON DELETE SET NULL``)
(none)                      ``clinicId`` on sessions: denormalised from the customer so
                            security rules and a manager's query need no join
session_date                ``sessionDate``
duration_minutes            ``durationMinutes``
audio_file_path (S3 path)   ``audioFilePath``: Cloud Storage ``bucket/name``
transcription_text          ``transcriptionText``
analysis_result (JSONB)     ``analysisResult``: a map, typed by :class:`SessionAnalysis`
notes, status               ``notes``, ``status``
==========================  =========================================================

Foreign keys and ``ON DELETE CASCADE`` do not exist in Firestore: a deleting function has
to remove the dependants itself.

Unknown-field policy: ``clinics``, ``customers`` and ``sessions`` are open (the web client
writes them and may add fields); the analysis result is closed (it is the language
model's output contract: invented keys are a failed generation, not data).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.models.base import ClosedModel, OpenModel, UtcDatetime

CLINICS = "clinics"
CUSTOMERS = "customers"
SESSIONS = "sessions"


class Clinic(OpenModel):
    """``clinics/{clinicId}``."""

    name: str = Field(min_length=1, max_length=200)
    address: str | None = None
    phone: str | None = Field(default=None, max_length=20)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class CounselingCustomer(OpenModel):
    """``customers/{customerId}``: a person who came for counseling (not a care-office
    利用者; those are ``masters/customers/items``). ``clinicId`` is required, as in the
    seed (``NOT NULL``): it scopes who may see the customer."""

    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = None
    clinic_id: str
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class SessionStatus(StrEnum):
    """Seed ステータス遷移::

        recorded → transcribing → transcribed → analyzing → analyzed → completed
            ↓           ↓            ↓            ↓          ↓
          failed      failed       failed       failed     failed
    """

    RECORDED = "recorded"
    TRANSCRIBING = "transcribing"
    TRANSCRIBED = "transcribed"
    ANALYZING = "analyzing"
    ANALYZED = "analyzed"
    COMPLETED = "completed"
    FAILED = "failed"


_S = SessionStatus
_TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    _S.RECORDED: frozenset({_S.TRANSCRIBING, _S.FAILED}),
    _S.TRANSCRIBING: frozenset({_S.TRANSCRIBED, _S.FAILED}),
    _S.TRANSCRIBED: frozenset({_S.ANALYZING, _S.FAILED}),
    _S.ANALYZING: frozenset({_S.ANALYZED, _S.FAILED}),
    _S.ANALYZED: frozenset({_S.COMPLETED, _S.FAILED}),
    # Completed is final: the seed draws no arrow out of it (a finished, reviewed session
    # is not failed by a late event).
    _S.COMPLETED: frozenset(),
    # Not in the seed: a failed session can be queued again from the start; each step
    # skips work whose output exists, so a retry costs only what failed.
    _S.FAILED: frozenset({_S.RECORDED}),
}


def can_transition(current: SessionStatus | str, new: SessionStatus | str) -> bool:
    """Whether a session in ``current`` may move to ``new``.

    Staying in the same state is not a transition (``False``): a redelivered event finds
    the work done and must treat it as a no-op, not as progress. Unknown values raise
    ``ValueError``.
    """
    return SessionStatus(new) in _TRANSITIONS[SessionStatus(current)]


def allowed_transitions(current: SessionStatus | str) -> frozenset[SessionStatus]:
    """The states reachable in one step from ``current``."""
    return _TRANSITIONS[SessionStatus(current)]


class AnalysisSection(ClosedModel):
    """One aspect of the analysis: a 0–100 ``score`` and concrete ``comments``
    (observations quoting the conversation, in Japanese)."""

    score: int = Field(ge=0, le=100)
    comments: list[str] = Field(default_factory=list)


class SessionAnalysis(ClosedModel):
    """``analysisResult``: the five aspects the clinic asks for, plus a summary.

    - ``leadingQuestions``: how the counselor's questions led the customer;
    - ``anxietyHandling``: how anxieties (pain, cost, side effects) were handled;
    - ``closing``: how the closing went;
    - ``flow``: the flow of the talk;
    - ``advice``: concrete advice for the counselor; its score says how little is left
      to improve (100 = nothing to add), so every section reads "higher is better".

    ``engine`` names what produced it (a Gemini model id, or the local rule-based
    analyzer) so results can be compared and re-run.
    """

    leading_questions: AnalysisSection
    anxiety_handling: AnalysisSection
    closing: AnalysisSection
    flow: AnalysisSection
    advice: AnalysisSection
    overall_score: int | None = Field(default=None, ge=0, le=100)
    summary: str | None = None
    engine: str | None = None
    analyzed_at: UtcDatetime | None = None


class Session(OpenModel):
    """``sessions/{sessionId}``: one recorded counseling session and what became of it.

    ``transcriptionText`` of an hour of Japanese talk is some 20,000 characters (~60 KB),
    well inside Firestore's document limit. ``failureReason`` (not in the seed) is
    backend-owned: why the session is ``failed``, for the person who retries it.
    """

    customer_id: str
    counselor_id: str | None = None
    clinic_id: str
    session_date: UtcDatetime
    duration_minutes: int | None = Field(default=None, ge=0)
    status: SessionStatus = SessionStatus.RECORDED
    audio_file_path: str | None = None
    transcription_text: str | None = None
    analysis_result: SessionAnalysis | None = None
    notes: str | None = None
    failure_reason: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
