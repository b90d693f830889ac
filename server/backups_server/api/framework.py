"""connexion, imported once for the whole server with its dependencies' warnings silenced.

connexion imports what its dependencies deprecate (starlette's test client, jsonschema's
RefResolver): warnings for connexion, whose version is pinned, not for this server.
"""

import warnings

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import connexion
    from connexion.context import context
    from connexion.datastructures import MediaTypeDict
    from connexion.exceptions import BadRequestProblem, ProblemException
    from connexion.lifecycle import ConnexionResponse
    from connexion.middleware import MiddlewarePosition
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolver
    from connexion.security import ApiKeySecurityHandler
    from connexion.validators import JSONRequestBodyValidator

__all__ = [
    "ApiKeySecurityHandler",
    "BadRequestProblem",
    "ConnexionResponse",
    "JSONRequestBodyValidator",
    "MediaTypeDict",
    "MiddlewarePosition",
    "ProblemException",
    "Resolver",
    "SwaggerUIOptions",
    "connexion",
    "context",
]
