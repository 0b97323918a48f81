"""The pipeline's Storage reads and writes: one object generation in, OCR text out."""

from __future__ import annotations

import contextlib

import google.cloud.storage as storage

from shared.ocr.types import UnreadableFileError


def download_generation(client: storage.Client, bucket: str, name: str, generation: str,
                        max_bytes: int) -> bytes:
    """The bytes of exactly ``generation`` (a later overwrite is another document)."""
    blob = client.bucket(bucket).blob(name, generation=int(generation))
    data: bytes = blob.download_as_bytes()
    if len(data) > max_bytes:
        raise UnreadableFileError(f"ファイルが大きすぎます（{len(data):,}バイト）")
    return data


def ocr_text_prefix(prefix: str, doc_id: str) -> str:
    """Where every attempt of ``doc_id`` puts its full text (swept by prefix)."""
    return f"{prefix}ocr/{doc_id}/"


def ocr_text_object(prefix: str, doc_id: str, token: str) -> str:
    """One object per attempt (its claim token): an attempt only ever deletes its own, or
    objects a later look at the document shows nobody references."""
    return f"{ocr_text_prefix(prefix, doc_id)}{token}.txt"


def object_name(bucket: str, url: object) -> str | None:
    """The object name of a ``gs://{bucket}/…`` URL, ``None`` for anything else."""
    head = f"gs://{bucket}/"
    text = str(url or "")
    return text[len(head):] if text.startswith(head) and len(text) > len(head) else None


def list_names(client: storage.Client, bucket: str, prefix: str) -> list[str]:
    return [blob.name for blob in client.list_blobs(bucket, prefix=prefix)]


def upload_text(client: storage.Client, bucket: str, name: str, text: str) -> str:
    """Store ``text`` and return its ``gs://`` URL (the seed's ``ocrResultUrl``)."""
    blob = client.bucket(bucket).blob(name)
    blob.upload_from_string(text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    return f"gs://{bucket}/{name}"


def delete_quietly(client: storage.Client, bucket: str, name: str) -> None:
    # Best effort: an orphan text file costs cents, not correctness.
    with contextlib.suppress(Exception):
        client.bucket(bucket).blob(name).delete()
