"""tryon: real-time virtual try-on and face mapping."""

__version__ = "0.1.0"
