"""Interfaces: the command line, and the search as a llama-index retriever. Calls the facade (`assistant.core.Assistant`), the Markdown export and
the measuring tools; the page lives in the top-level `ui` package and calls only the facade and export."""
