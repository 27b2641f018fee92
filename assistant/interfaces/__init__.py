"""Interfaces: the command line, and our search as a llama-index retriever. They call the facade
(`assistant.core.Assistant`), the Markdown export and the measuring tools; the page lives in the
top-level `ui` package and calls only the facade and the export."""
