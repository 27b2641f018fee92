"""Reasoning layer: hybrid retrieval, reading a question, the learned answer selector, composed answers
and claim checks. Uses the index layer's seams (store, keyword index, embedder), the text layer's
sentences, quantities and word lists (never its file readers), the records and the settings."""
