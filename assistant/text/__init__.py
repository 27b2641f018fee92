"""Text layer: reading files and URLs into normalised documents, sentences and chunks, quantities in
text, statement frames (what each sentence is about, and when), and the word lists. Uses only the
records and settings (`assistant.models`, `assistant.config`); the modules that read files and URLs
(`readers`, `documents`) are for ingest, never for reasoning."""
