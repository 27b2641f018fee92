"""Measuring, beside the product: benchmarks (quality, ingest, latency at scale), evaluation sets and the
answer selector's refit. Uses the facade and the public seams of the layers below, no private names."""
