"""Cloud Vision ``DOCUMENT_TEXT_DETECTION`` with the ``ja`` hint (``OCR_ENGINE=vision``).

- PDF, TIFF, GIF up to ``sync_max_pages`` pages: synchronous ``batch_annotate_files``,
  at most 5 pages per request (Vision's limit), inline content.
- Longer files: ``async_batch_annotate_files`` from the object in Storage, JSON results
  written under ``<pipeline prefix>vision/<document>/<attempt>/`` and read back.
- JPEG, PNG (and HEIC, converted to PNG): ``batch_annotate_images``.

Each page's response carries its own ``error``: a failed page becomes a failed
``PageResult`` while the others stand. Whole-request failures are classified from the API
exception (quota, transient, permanent). Rotation is read from the reading direction of
the text blocks' bounding boxes (Vision returns vertices in reading order), so the
production path needs no Tesseract.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import google.cloud.storage as storage
from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_exception_type
from google.cloud import vision_v1 as vision

from shared.ocr.types import (
    EngineName,
    OcrRequest,
    PageResult,
    PermanentOcrError,
    QuotaOcrError,
    TransientOcrError,
)

SYNC_PAGES_PER_REQUEST = 5
FILE_MIME_TYPES = {"application/pdf", "image/tiff", "image/gif"}
_FEATURES = [vision.Feature(type_=vision.Feature.Type.DOCUMENT_TEXT_DETECTION)]
_CONTEXT = vision.ImageContext(language_hints=["ja"])
# The client's default retry keeps trying UNAVAILABLE for up to 10 minutes, longer than
# the function may live; ours gives up after a minute and lets the pipeline decide.
DEFAULT_RPC_RETRY = Retry(initial=1.0, maximum=10.0, multiplier=2.0, timeout=60.0,
                          predicate=if_exception_type(gexc.ServiceUnavailable,
                                                      gexc.DeadlineExceeded))


def make_vision_client(endpoint: str | None = None) -> vision.ImageAnnotatorClient:
    """The production client, or one on an insecure channel to ``endpoint`` (a fake)."""
    if endpoint:
        import grpc
        from google.cloud.vision_v1.services.image_annotator.transports import (
            ImageAnnotatorGrpcTransport,
        )

        transport = ImageAnnotatorGrpcTransport(channel=grpc.insecure_channel(endpoint))
        return vision.ImageAnnotatorClient(transport=transport)
    return vision.ImageAnnotatorClient()


def classify_api_error(exc: Exception) -> Exception:
    """Map a google-api-core exception onto the OCR error classes."""
    if isinstance(exc, gexc.ResourceExhausted | gexc.TooManyRequests):
        return QuotaOcrError(f"Vision quota: {exc}")
    if isinstance(exc, gexc.ServiceUnavailable | gexc.DeadlineExceeded | gexc.InternalServerError
                  | gexc.Aborted | gexc.Unknown | gexc.RetryError | TimeoutError
                  | ConnectionError):
        return TransientOcrError(f"Vision unavailable: {exc}")
    return PermanentOcrError(f"Vision refused the request: {exc}")


def text_angle(vertices: Sequence[tuple[float, float]]) -> int:
    """Clockwise angle (0/90/180/270) of the reading direction of one box."""
    (x0, y0), (x1, y1) = vertices[0], vertices[1]
    degrees = math.degrees(math.atan2(y1 - y0, x1 - x0)) % 360  # y grows downwards
    return int(round(degrees / 90) % 4) * 90


def page_rotation(annotation: vision.TextAnnotation) -> int:
    """Degrees clockwise to turn the page upright: majority vote over text blocks."""
    votes: Counter[int] = Counter()
    for page in annotation.pages:
        for block in page.blocks:
            box = block.bounding_box
            points: list[tuple[float, float]] = [(float(v.x), float(v.y))
                                                 for v in box.vertices]
            if not points:
                points = [(v.x, v.y) for v in box.normalized_vertices]
            if len(points) >= 2 and points[0] != points[1]:
                votes[text_angle(points)] += 1
    if not votes:
        return 0
    angle = votes.most_common(1)[0][0]
    return (360 - angle) % 360


def page_result(page_number: int, response: vision.AnnotateImageResponse) -> PageResult:
    """One page's response → ``PageResult`` (a per-page error makes it ``failed``)."""
    if response.error.code:
        return PageResult(page_number, "", None, "vision", status="failed",
                          error=f"Vision page error {response.error.code}: "
                                f"{response.error.message}"[:500])
    annotation = response.full_text_annotation
    confidences = [p.confidence for p in annotation.pages if p.confidence]
    confidence = round(sum(confidences) / len(confidences), 4) if confidences else None
    return PageResult(page_number, annotation.text.strip(), confidence, "vision",
                      rotation=page_rotation(annotation))


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class VisionEngine:
    """Cloud Vision through the official client; see the module doc for the routes."""

    name: EngineName = "vision"

    def __init__(
        self,
        client_factory: Callable[[], vision.ImageAnnotatorClient],
        storage_client_factory: Callable[[], storage.Client],
        *,
        project: str,
        bucket: str,
        output_prefix: str,
        location: str = "asia",
        sync_max_pages: int = 20,
        async_timeout_seconds: float = 420.0,
        rpc_retry: Retry | None = DEFAULT_RPC_RETRY,
        rpc_timeout_seconds: float = 120.0,
    ) -> None:
        self.rpc_retry = rpc_retry
        self.rpc_timeout = rpc_timeout_seconds
        self._client_factory = client_factory
        self._storage_factory = storage_client_factory
        self._client: vision.ImageAnnotatorClient | None = None
        self.project = project
        self.bucket = bucket
        self.output_prefix = output_prefix
        self.location = location
        self.sync_max_pages = sync_max_pages
        self.async_timeout = async_timeout_seconds

    @property
    def client(self) -> vision.ImageAnnotatorClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def read(self, request: OcrRequest) -> list[PageResult]:
        mime = request.pages.mime_type
        try:
            if mime in FILE_MIME_TYPES:
                if request.pages.page_count > self.sync_max_pages and request.gcs_uri:
                    return self._read_async(request)
                return self._read_sync_file(request)
            return self._read_images(request)
        except gexc.GoogleAPICallError as exc:
            raise classify_api_error(exc) from exc
        except (gexc.RetryError, TimeoutError, ConnectionError) as exc:
            raise classify_api_error(exc) from exc

    # -- routes ------------------------------------------------------------------------

    def _read_sync_file(self, request: OcrRequest) -> list[PageResult]:
        numbers = [i + 1 for i in request.page_indexes]
        results: list[PageResult] = []
        for chunk in _chunks(numbers, SYNC_PAGES_PER_REQUEST):
            file_request = vision.AnnotateFileRequest(
                input_config=vision.InputConfig(content=request.pages.data,
                                                mime_type=request.pages.mime_type),
                features=_FEATURES, image_context=_CONTEXT, pages=list(chunk))
            response = self.client.batch_annotate_files(
                requests=[file_request], retry=self.rpc_retry, timeout=self.rpc_timeout)
            file_response = response.responses[0]
            if file_response.error.code:
                message = f"Vision file error {file_response.error.code}: " \
                          f"{file_response.error.message}"
                results.extend(PageResult(n, "", None, "vision", status="failed",
                                          error=message[:500]) for n in chunk)
                continue
            by_page = {r.context.page_number or n: r
                       for n, r in zip(chunk, file_response.responses, strict=False)}
            for number in chunk:
                page = by_page.get(number)
                results.append(page_result(number, page) if page is not None else PageResult(
                    number, "", None, "vision", status="failed", error="no response for page"))
        return results

    def _read_images(self, request: OcrRequest) -> list[PageResult]:
        results: list[PageResult] = []
        for index in request.page_indexes:
            content = request.pages.data
            if request.pages.mime_type not in ("image/jpeg", "image/png"):
                buf = io.BytesIO()
                request.pages.render(index, 300, 20.0).save(buf, "PNG")
                content = buf.getvalue()
            image_request = vision.AnnotateImageRequest(
                image=vision.Image(content=content), features=_FEATURES,
                image_context=_CONTEXT)
            response = self.client.batch_annotate_images(
                requests=[image_request], retry=self.rpc_retry, timeout=self.rpc_timeout)
            results.append(page_result(index + 1, response.responses[0]))
        return results

    def _read_async(self, request: OcrRequest) -> list[PageResult]:
        assert request.gcs_uri is not None
        prefix = (f"{self.output_prefix}vision/{request.document_id or 'adhoc'}/"
                  f"{request.attempt_token or 'run'}/")
        async_request = vision.AsyncAnnotateFileRequest(
            input_config=vision.InputConfig(gcs_source=vision.GcsSource(uri=request.gcs_uri),
                                            mime_type=request.pages.mime_type),
            features=_FEATURES, image_context=_CONTEXT,
            output_config=vision.OutputConfig(
                gcs_destination=vision.GcsDestination(uri=f"gs://{self.bucket}/{prefix}"),
                batch_size=100))
        operation = self.client.async_batch_annotate_files(
            request=vision.AsyncBatchAnnotateFilesRequest(
                requests=[async_request],
                parent=f"projects/{self.project}/locations/{self.location}"),
            retry=self.rpc_retry, timeout=self.rpc_timeout)
        operation.result(timeout=self.async_timeout)
        pages = self._collect_async_output(prefix)
        wanted = {i + 1 for i in request.page_indexes}
        results = [pages[n] if n in pages else PageResult(
            n, "", None, "vision", status="failed", error="page missing from Vision output")
            for n in sorted(wanted)]
        return results

    def _collect_async_output(self, prefix: str) -> dict[int, PageResult]:
        client = self._storage_factory()
        found: dict[int, PageResult] = {}
        blobs = list(client.list_blobs(self.bucket, prefix=prefix))
        for blob in blobs:
            if not blob.name.endswith(".json"):
                continue
            parsed = vision.AnnotateFileResponse.from_json(
                blob.download_as_bytes().decode("utf-8"), ignore_unknown_fields=True)
            for offset, response in enumerate(parsed.responses):
                number = response.context.page_number or offset + 1
                found[number] = page_result(number, response)
        for blob in blobs:  # the results are ours to clean up once read
            _delete_quietly(blob)
        return found


def _delete_quietly(blob: Any) -> None:
    with contextlib.suppress(gexc.GoogleAPIError):
        blob.delete()
