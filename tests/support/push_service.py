"""The push-service stand-in, where tests find it (it lives in `standins/`, which the
benchmarks share)."""

from standins.push_service import PushService, Received, push_service

__all__ = ["PushService", "Received", "push_service"]
