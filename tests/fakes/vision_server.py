"""A local server that speaks Cloud Vision's gRPC API, for tests of the real client.

google-cloud-vision ships proto-plus types but no ``*_pb2_grpc`` servicer, so the service
is registered with gRPC's generic handlers under its real method names
(``google.cloud.vision.v1.ImageAnnotator/BatchAnnotateFiles`` …) with the types' own
(de)serialisers; ``google.longrunning.Operations/GetOperation`` serves the async route.

What the fake "reads": texts a test registered for exact file bytes
(``FakeVision.register``), else a PDF's text layer, else nothing. Behaviour a test can
ask for: per-page errors (``fail_pages``), the reading direction of each page's text
(``text_angles``, for rotation detection), quota exhaustion, a number of UNAVAILABLE
answers before success. Every request is recorded (``calls``) so tests can check that
the client sent at most 5 pages per file request, the ``ja`` hint, and so on. The async
route reads its input from the Storage emulator and writes JSON results there, as Vision
writes them to Cloud Storage.
"""

from __future__ import annotations

import hashlib
import math
import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.cloud import vision_v1 as vision
from google.longrunning import operations_pb2
from google.protobuf import any_pb2

SERVICE = "google.cloud.vision.v1.ImageAnnotator"


@dataclass
class Call:
    method: str
    pages: list[int]
    language_hints: list[str]
    mime_type: str = ""


@dataclass
class FakeVision:
    """The fake's state and behaviour switches (mutable between requests)."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    fail_pages: set[int] = field(default_factory=set)
    text_angles: dict[int, int] = field(default_factory=dict)
    quota_exhausted: bool = False
    unavailable_before_success: int = 0
    calls: list[Call] = field(default_factory=list)
    operations: dict[str, operations_pb2.Operation] = field(default_factory=dict)
    polls_before_done: int = 1
    _polls: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, content: bytes, page_texts: list[str]) -> None:
        self.texts[hashlib.sha256(content).hexdigest()] = page_texts

    # -- reading -------------------------------------------------------------------

    def page_texts(self, content: bytes, mime_type: str) -> list[str]:
        known = self.texts.get(hashlib.sha256(content).hexdigest())
        if known is not None:
            return known
        if mime_type == "application/pdf":
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(content)
            try:
                return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
            finally:
                doc.close()
        return [""]

    def page_response(self, number: int, text: str) -> vision.AnnotateImageResponse:
        context = vision.ImageAnnotationContext(page_number=number)
        if number in self.fail_pages:
            return vision.AnnotateImageResponse(
                error={"code": 13, "message": f"Internal error reading page {number}"},
                context=context)
        angle = self.text_angles.get(number, 0)
        return vision.AnnotateImageResponse(
            full_text_annotation=vision.TextAnnotation(
                text=text,
                pages=[vision.Page(confidence=0.97, blocks=[_block(angle)] * 3)]),
            context=context)

    # -- failures ------------------------------------------------------------------

    def _gate(self, context: grpc.ServicerContext) -> None:
        with self._lock:
            if self.quota_exhausted:
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                              "Quota exceeded for quota metric 'Requests'")
            if self.unavailable_before_success > 0:
                self.unavailable_before_success -= 1
                context.abort(grpc.StatusCode.UNAVAILABLE, "The service is unavailable")

    # -- methods -------------------------------------------------------------------

    def batch_annotate_images(self, request: vision.BatchAnnotateImagesRequest,
                              context: grpc.ServicerContext) -> vision.BatchAnnotateImagesResponse:
        self._gate(context)
        responses = []
        for item in request.requests:
            self.calls.append(Call("BatchAnnotateImages", [1],
                                   list(item.image_context.language_hints)))
            text = self.page_texts(item.image.content, "image")[0]
            responses.append(self.page_response(1, text))
        return vision.BatchAnnotateImagesResponse(responses=responses)

    def batch_annotate_files(self, request: vision.BatchAnnotateFilesRequest,
                             context: grpc.ServicerContext) -> vision.BatchAnnotateFilesResponse:
        self._gate(context)
        out = []
        for item in request.requests:
            mime = item.input_config.mime_type
            pages = list(item.pages) or [1, 2, 3, 4, 5]
            self.calls.append(Call("BatchAnnotateFiles", pages,
                                   list(item.image_context.language_hints), mime))
            if len(pages) > 5:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              "At most 5 pages in one call please.")
            texts = self.page_texts(item.input_config.content, mime)
            total = len(texts)
            responses = [self.page_response(n, texts[n - 1] if n <= total else "")
                         for n in pages if n <= total]
            out.append(vision.AnnotateFileResponse(responses=responses, total_pages=total))
        return vision.BatchAnnotateFilesResponse(responses=out)

    def async_batch_annotate_files(self, request: vision.AsyncBatchAnnotateFilesRequest,
                                   context: grpc.ServicerContext) -> operations_pb2.Operation:
        self._gate(context)
        import google.cloud.storage as storage

        client = storage.Client(project="fake-vision")
        output_uris = []
        for item in request.requests:
            source = item.input_config.gcs_source.uri
            bucket, _, name = source.removeprefix("gs://").partition("/")
            content = client.bucket(bucket).blob(name).download_as_bytes()
            texts = self.page_texts(content, item.input_config.mime_type)
            self.calls.append(Call("AsyncBatchAnnotateFiles", list(range(1, len(texts) + 1)),
                                   list(item.image_context.language_hints),
                                   item.input_config.mime_type))
            destination = item.output_config.gcs_destination.uri
            out_bucket, _, prefix = destination.removeprefix("gs://").partition("/")
            size = item.output_config.batch_size or 20
            for start in range(1, len(texts) + 1, size):
                end = min(start + size - 1, len(texts))
                result = vision.AnnotateFileResponse(
                    input_config=item.input_config,
                    responses=[self.page_response(n, texts[n - 1]) for n in range(start, end + 1)],
                    total_pages=len(texts))
                blob_name = f"{prefix}output-{start}-to-{end}.json"
                client.bucket(out_bucket).blob(blob_name).upload_from_string(
                    vision.AnnotateFileResponse.to_json(result), content_type="application/json")
            output_uris.append(destination)
        name = f"projects/fake/operations/{uuid.uuid4().hex}"
        response = vision.AsyncBatchAnnotateFilesResponse(responses=[
            vision.AsyncAnnotateFileResponse(
                output_config=vision.OutputConfig(gcs_destination={"uri": uri}))
            for uri in output_uris])
        done = operations_pb2.Operation(name=name, done=True)
        done.response.CopyFrom(_pack(vision.AsyncBatchAnnotateFilesResponse.pb(response)))
        done.metadata.CopyFrom(_pack(vision.OperationMetadata.pb(
            vision.OperationMetadata(state=vision.OperationMetadata.State.DONE))))
        with self._lock:
            self.operations[name] = done
            self._polls[name] = 0
        pending = operations_pb2.Operation(name=name, done=self.polls_before_done == 0)
        if pending.done:
            return done
        pending.metadata.CopyFrom(_pack(vision.OperationMetadata.pb(
            vision.OperationMetadata(state=vision.OperationMetadata.State.RUNNING))))
        return pending

    def get_operation(self, request: operations_pb2.GetOperationRequest,
                      context: grpc.ServicerContext) -> operations_pb2.Operation:
        with self._lock:
            done = self.operations.get(request.name)
            if done is None:
                context.abort(grpc.StatusCode.NOT_FOUND, request.name)
            self._polls[request.name] += 1
            if self._polls[request.name] >= self.polls_before_done:
                return done
        return operations_pb2.Operation(name=request.name, done=False)


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _block(angle: int) -> vision.Block:
    """A text block whose vertices are in reading order for text running at ``angle``
    degrees clockwise (Vision's convention: vertex 0 is the text's top-left)."""
    corners = [(0.2, 0.3), (0.8, 0.3), (0.8, 0.4), (0.2, 0.4)]
    theta = math.radians(angle)
    turned = [(0.5 + (x - 0.5) * math.cos(theta) - (y - 0.5) * math.sin(theta),
               0.5 + (x - 0.5) * math.sin(theta) + (y - 0.5) * math.cos(theta))
              for x, y in corners]
    return vision.Block(bounding_box=vision.BoundingPoly(
        normalized_vertices=[vision.NormalizedVertex(x=x, y=y) for x, y in turned]))


def _unary(handler: Any, request_type: Any, response_type: Any) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(
        handler,
        request_deserializer=request_type.deserialize,
        response_serializer=response_type.serialize)


@contextmanager
def running_fake_vision(state: FakeVision | None = None) -> Iterator[tuple[str, FakeVision]]:
    """Serve ``state`` on a free loopback port; yields ``("127.0.0.1:port", state)``."""
    fake = state or FakeVision()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    vision_handlers = {
        "BatchAnnotateImages": _unary(fake.batch_annotate_images,
                                      vision.BatchAnnotateImagesRequest,
                                      vision.BatchAnnotateImagesResponse),
        "BatchAnnotateFiles": _unary(fake.batch_annotate_files,
                                     vision.BatchAnnotateFilesRequest,
                                     vision.BatchAnnotateFilesResponse),
        "AsyncBatchAnnotateFiles": grpc.unary_unary_rpc_method_handler(
            fake.async_batch_annotate_files,
            request_deserializer=vision.AsyncBatchAnnotateFilesRequest.deserialize,
            response_serializer=operations_pb2.Operation.SerializeToString),
    }
    operations_handlers = {
        "GetOperation": grpc.unary_unary_rpc_method_handler(
            fake.get_operation,
            request_deserializer=operations_pb2.GetOperationRequest.FromString,
            response_serializer=operations_pb2.Operation.SerializeToString),
    }
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler(SERVICE, vision_handlers),
        grpc.method_handlers_generic_handler("google.longrunning.Operations",
                                             operations_handlers),
    ))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", fake
    finally:
        server.stop(grace=None)
