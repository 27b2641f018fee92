"""Text layer: reading files and URLs into normalised documents, sentences and chunks, quantities in
text, and the word lists. Uses only the records and settings (`assistant.models`, `assistant.config`);
the modules that read files and URLs (`readers`, `documents`) are for ingest, never for reasoning."""
