"""A client library for accessing Backups API"""

from .client import AuthenticatedClient, Client
from .resources import AsyncBackupsClient, BackupsClient

__version__ = "1.0.0"

__all__ = (
    "AsyncBackupsClient",
    "AuthenticatedClient",
    "BackupsClient",
    "Client",
    "__version__",
)
