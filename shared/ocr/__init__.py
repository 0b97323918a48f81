"""OCR engines behind one interface: PDF text layer, Tesseract, Cloud Vision."""
