"""livesale: self-hosted live shopping with sub-second WebRTC video."""

__version__ = "0.1.0"
