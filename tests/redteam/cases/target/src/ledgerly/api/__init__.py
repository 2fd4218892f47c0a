"""HTTP-facing handlers (framework-free)."""
