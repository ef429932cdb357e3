"""Lab: evaluation, training, benchmarks, the load test."""
