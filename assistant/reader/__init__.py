"""The reader layer: a cross-encoder fitted here (`lab train-reader`) that reads a question or a claim
together with one sentence, for relevance and for supports / contradicts / neither. It runs the shipped
ONNX int8 file with onnxruntime; torch only at fit time. It may use text, config and records; reasoning
uses it, and it never sees the index."""
