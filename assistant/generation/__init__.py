"""Prose answers from a language model, checked sentence by sentence against the cited sources.

Owns the model client (any OpenAI-compatible endpoint through llama-index, or a GGUF file served on
127.0.0.1 with xllamacpp), the prompt, and the check that removes every sentence whose marker, figures,
names or meaning the cited passage does not bear out. May use reasoning (answer selection, question
reading), index (the tokenizer), text (sentences, quantities), config and models; never the facade.
"""
