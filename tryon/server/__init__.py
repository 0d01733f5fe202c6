"""The WebRTC try-on server: aiohttp signalling and API, aiortc media, one engine per shopper."""

from tryon.server.app import create_app
from tryon.server.background import BackgroundServer
from tryon.server.config import IceServer, ServerConfig
from tryon.server.products import ProductShelf

__all__ = ["BackgroundServer", "IceServer", "ProductShelf", "ServerConfig", "create_app"]
