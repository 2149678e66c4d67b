"""Policy engine: dated per-region parameters (YAML, with a reference on every value) and, later,
pure rule functions and stored determinations. No HTTP, no writes to other apps."""
