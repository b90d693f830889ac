"""The client object's names: a resource per group of operations, a method per operation.

An operation's name is its `x-client-name`: `resource.method`, or `method` alone for a method of the
client object itself. Without one, the resource is its first tag and the method its operationId less
that tag in front, both in snake_case (`backups-snapshot` of tag `Backups`: `backups.snapshot`).
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openapi_python_client.parser.properties.model_property import ModelProperty
from openapi_python_client.strings import kebab_case, pascal_case, snake_case

if TYPE_CHECKING:
    from openapi_python_client.parser.openapi import Endpoint, EndpointCollection
    from openapi_python_client.parser.properties import Property

CLIENT_NAME = "x-client-name"
STREAMED_SUFFIX = "_streamed"
"""A method named like another plus this suffix is that operation's streamed variant: the command line
offers both as one command, which streams unless told `--no-stream`."""
RESERVED = frozenset({"close", "aclose", "with_options", "module_client"})
"""Attributes of the client object that no resource or method of its own may take."""


@dataclass(frozen=True)
class BodyField:
    """A field of an operation's body, as a keyword argument of its method."""

    argument: str
    prop: Property
    optional: bool
    """Whether the argument may be left out: the field is optional, or the body is."""

    @property
    def name(self) -> str:
        """The field's argument of the model's constructor."""
        return str(self.prop.python_name)

    @property
    def annotation(self) -> str:
        annotation = str(self.prop.get_type_string().as_unembedded_code())
        return annotation + " | Unset" if self.optional and self.prop.required else annotation


@dataclass(frozen=True)
class ClientMethod:
    """One operation, as a method of the client object or of one of its resources."""

    name: str
    endpoint: Endpoint
    tag: str
    """The package of the operation's module, under `api`."""
    needs_key: bool
    """Whether the operation needs a credential: its own `security`, else the spec's, names a scheme."""

    @property
    def module(self) -> str:
        return str(self.endpoint.name)

    @property
    def command(self) -> str:
        """The name of its command on the command line."""
        return kebab_case(self.name)

    @property
    def needs_arguments(self) -> bool:
        """Whether a call must give some argument: a parameter, a body or a field of it."""
        endpoint = self.endpoint
        required = [parameter for parameter in endpoint.list_all_parameters() if parameter.required]
        body = bool(endpoint.bodies) and endpoint.bodies[0].prop.required and self.body_model is None
        return bool(required) or body or any(not field.optional for field in self.body_fields)

    @property
    def body_model(self) -> ModelProperty | None:
        """The model of the operation's one body, whose fields the method takes; None when the method
        takes a `body` argument instead, or there is no body."""
        bodies = self.endpoint.bodies
        return bodies[0].prop if len(bodies) == 1 and isinstance(bodies[0].prop, ModelProperty) else None

    @property
    def body_fields(self) -> tuple[BodyField, ...]:
        """The body's fields, each named as the model's constructor names it, or with `body_` in front
        when a parameter of the operation has that name already."""
        model = self.body_model
        if model is None:
            return ()
        taken = {str(parameter.python_name) for parameter in self.endpoint.list_all_parameters()}
        optional_body = not model.required
        return tuple(
            BodyField(
                f"body_{field.python_name}" if field.python_name in taken else str(field.python_name),
                field,
                optional_body or not field.required,
            )
            for field in [*(model.required_properties or []), *(model.optional_properties or [])]
        )


@dataclass(frozen=True)
class ClientResource:
    """The methods of one attribute of the client object; the client object's own when `name` is empty."""

    name: str
    methods: tuple[ClientMethod, ...]

    @property
    def class_name(self) -> str:
        return f"{pascal_case(self.name)}Resource"

    @property
    def command(self) -> str:
        """The name of its group of commands on the command line."""
        return kebab_case(self.name)

    def method(self, name: str) -> ClientMethod | None:
        return next((method for method in self.methods if method.name == name), None)

    def streamed_variant(self, method: ClientMethod) -> ClientMethod | None:
        """The method that streams what `method` answers at once, if the resource has one."""
        return self.method(method.name + STREAMED_SUFFIX)

    def plain_variant(self, method: ClientMethod) -> ClientMethod | None:
        """The method that answers at once what the streamed `method` streams, if the resource has one."""
        if not method.name.endswith(STREAMED_SUFFIX):
            return None
        return self.method(method.name.removesuffix(STREAMED_SUFFIX))


def client_class_name(title: str) -> str:
    """The client object's class: the API's title, less a last word `API`, then `Client`."""
    words = title.split()
    if len(words) > 1 and words[-1].lower() == "api":
        words.pop()
    return pascal_case(" ".join(words)) + "Client"


def client_name(operation: dict[str, Any], tag: str) -> tuple[str, str]:
    """The resource (empty for the client object) and the method of an operation."""
    declared = operation.get(CLIENT_NAME)
    if declared is None:
        operation_id = kebab_case(operation["operationId"])
        method = operation_id.removeprefix(kebab_case(tag) + "-") or operation_id
        return snake_case(tag), snake_case(method)
    resource, _, method = str(declared).rpartition(".")
    return resource, method


def client_resources(
    spec: dict[str, Any], collections: dict[Any, EndpointCollection]
) -> tuple[ClientResource, ...]:
    """The client object's resources, in the order the spec first names them, the client object's own
    methods first; raises ValueError for a name Python cannot take, or one taken twice."""
    found: dict[str, list[ClientMethod]] = {"": []}
    for tag, collection in collections.items():
        for endpoint in collection.endpoints:
            operation = spec["paths"][endpoint.path.get_untrusted_value()][endpoint.method]
            first_tag = (operation.get("tags") or ["default"])[0]
            group, method = client_name(operation, first_tag)
            for name in (group, method) if group else (method,):
                if (
                    not name.isidentifier()
                    or keyword.iskeyword(name)
                    or name.startswith("_")
                    or name in RESERVED
                ):
                    raise ValueError(
                        f"{endpoint.name}: {name!r} cannot name a resource or a method of the client"
                    )
            needs_key = bool(operation.get("security", spec.get("security")))
            found.setdefault(group, []).append(ClientMethod(method, endpoint, str(tag), needs_key))
    resources = tuple(ClientResource(name, tuple(methods)) for name, methods in found.items())
    for resource in resources:
        names = [method.name for method in resource.methods]
        if repeated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"two operations are named {resource.name or 'the client'}.{repeated[0]}")
    top_level = {method.name for method in resources[0].methods}
    if clashes := sorted(top_level & {resource.name for resource in resources[1:]}):
        raise ValueError(f"{clashes[0]!r} names both a resource and a method of the client")
    return resources
