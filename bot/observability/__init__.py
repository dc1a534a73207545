"""Observability of the serving app: Prometheus metrics (``/metrics``) and log set-up
(text or JSON lines, third-party INFO noise off). Channel-side: the engine imports none of it."""
