"""Index layer: the embedder, the Chroma store (the single source of truth), the BM25 side index and
ingest, which keeps them in step with files. Uses the text layer, the records and the settings."""
