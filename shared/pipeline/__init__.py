"""The document pipeline: intake of stored files, OCR, resolution, lifecycle."""
