"""The REST API and /health, /metrics (Litestar on uvicorn)."""
