"""Generate the client package from an OpenAPI document with openapi-python-client and templates/.

`make generate` regenerates generated/ when one of its inputs changed: the spec, generator.yaml,
templates/, this script, or the pinned generator and formatter. The digest of those inputs is kept
in the output, so an unchanged tree is left untouched. `--check` regenerates into a temporary
folder and fails, naming the files, when the output on disk differs from a fresh generation.

Beyond the stock generator (see scripts/codegen/ for the helpers):
- templates/package/ is the package's own: its templates are rendered into the package (the client
  object, the command line's commands), its plain Python modules copied (the streaming runtime);
- templates/docs/ is rendered into docs/ beside the package: one page per tag, one per model and enum;
- CHANGELOG.md is copied beside the package, for the sdist, and given to the README template;
- the templates get the globals `auth`, `info`, `external_docs`, `changelog`, `servers`, `tags`, `api_page`,
  `parameter_description`, `event_stream`, `accept_header`, `error_classes`, `error_class_names`,
  `idempotency_key`, `repeatable`, `success_responses`, `success_type`, `client_class`,
  `client_resources`, `client_methods` and `client_calls` (the client object), `command_line` (the
  command line's commands), and the filters `model_links`, `table_cell`, `python_literal` and
  `first_sentence`.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import os
import re
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.command_line import EXIT_CODES, command_line
from codegen.endpoints import (
    EventStream,
    accept_header,
    event_stream,
    idempotency_key,
    repeatable,
    success_responses,
    success_type,
)
from codegen.policy import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RECONNECTIONS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_READ_TIMEOUT,
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
)
from codegen.resources import client_class_name, client_resources
from codegen.spec import auth_header, error_classes, parameter_descriptions
from codegen.text import api_page, first_sentence, python_literal, table_cell
from jinja2 import FileSystemBytecodeCache
from openapi_python_client import Project
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import GeneratorError
from openapi_python_client.strings import PythonCode, PythonIdentifier
from ruamel.yaml import YAML

if TYPE_CHECKING:
    from openapi_python_client.parser.openapi import Endpoint
    from openapi_python_client.parser.properties import Property
    from openapi_python_client.schema.untrusted_string import UntrustedString

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
TEMPLATES = ROOT / "templates"
PACKAGE_TEMPLATES = TEMPLATES / "package"
CHANGELOG = ROOT / "CHANGELOG.md"
DIGEST_FILE = ".inputs-digest"


def input_digest(spec: Path, config: Path) -> str:
    """A digest of everything the output depends on."""
    digest = hashlib.sha256()
    for tool in ("openapi-python-client", "ruff"):
        digest.update(f"{tool}=={version(tool)}\n".encode())
    templates = sorted(
        p for p in TEMPLATES.rglob("*") if p.is_file() and not _cached(p.relative_to(TEMPLATES))
    )
    helpers = [Path(__file__), *sorted((SCRIPTS / "codegen").glob("*.py"))]
    scripts = {path.relative_to(SCRIPTS).as_posix(): path for path in helpers}
    inputs = {**scripts, "spec": spec, "config": config, "changelog": CHANGELOG}
    inputs.update((p.relative_to(TEMPLATES).as_posix(), p) for p in templates)
    for label, path in inputs.items():
        digest.update(label.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _cached(path: Path) -> bool:
    """Whether a path is a tool's cache (a hidden folder or file, or Python's bytecode): not an input."""
    return any(part.startswith(".") or part == "__pycache__" for part in path.parts)


class ClientProject(Project):
    """The stock project, plus the package and docs templates and the spec-derived template globals."""

    def __init__(self, *, openapi: GeneratorData, config: Config, spec: dict[str, Any]) -> None:
        super().__init__(openapi=openapi, config=config, custom_template_path=TEMPLATES)
        # Compiling the templates was half of a generation: jinja keeps them compiled, by their source's
        # checksum, in a folder of the user's own under the temporary directory.
        self.env.bytecode_cache = FileSystemBytecodeCache()
        servers = [server["url"] for server in spec.get("servers", [])]
        tags: dict[str, str | None] = {
            PythonIdentifier(tag["name"], "tag"): tag.get("description") for tag in spec.get("tags", [])
        }
        descriptions = parameter_descriptions(spec)

        def parameter_description(endpoint: Endpoint, parameter: Property) -> UntrustedString | str | None:
            key = (endpoint.path.get_untrusted_value(), endpoint.method, parameter.name.get_untrusted_value())
            return descriptions.get(key) or parameter.description

        errors = error_classes(spec)
        resources = client_resources(spec, openapi.endpoint_collections_by_tag)
        self.env.globals.update(
            auth=auth_header(spec),
            error_classes=errors,
            error_class_names={error.status: error.name for error in errors},
            idempotency_key=idempotency_key,
            idempotent_methods=IDEMPOTENT_METHODS,
            retry_statuses=RETRY_STATUSES,
            exit_codes=EXIT_CODES,
            default_max_retries=DEFAULT_MAX_RETRIES,
            default_max_reconnections=DEFAULT_MAX_RECONNECTIONS,
            default_connect_timeout=DEFAULT_CONNECT_TIMEOUT,
            default_read_timeout=DEFAULT_READ_TIMEOUT,
            repeatable=repeatable,
            success_responses=success_responses,
            success_type=success_type,
            info=spec["info"],
            external_docs=spec.get("externalDocs"),
            changelog=changelog_section(CHANGELOG.read_text(encoding="utf-8")),
            servers=servers,
            tags=tags,
            api_page=api_page,
            parameter_description=parameter_description,
            event_stream=self.event_stream,
            accept_header=accept_header,
            client_class=client_class_name(spec["info"]["title"]),
            client_resources=resources,
            client_calls={
                method.module: ".".join(filter(None, ("client", resource.name, method.name)))
                for resource in resources
                for method in resource.methods
            },
            client_methods={method.module: method for resource in resources for method in resource.methods},
            command_line=command_line(resources, tags, parameter_description, self.event_stream),
        )
        self.env.filters.update(
            model_links=self.model_links,
            table_cell=table_cell,
            python_literal=python_literal,
            first_sentence=first_sentence,
        )

    def event_stream(self, endpoint: Endpoint) -> EventStream | None:
        return event_stream(endpoint, self.openapi.models)

    def model_links(self, annotation: PythonCode | str) -> str:
        """A type annotation for Markdown, each model or enum in it a link to its page."""
        if isinstance(annotation, PythonCode):
            annotation = annotation.as_unembedded_code()
        pages = {model.class_info.name for model in [*self.openapi.models, *self.openapi.enums]}

        def link(word: re.Match[str]) -> str:
            return f"[{word[0]}]({word[0]}.md)" if word[0] in pages else word[0]

        return re.sub(r"\w+", link, annotation)

    def _build_metadata(self) -> None:
        super()._build_metadata()
        self._build_docs()
        shutil.copyfile(CHANGELOG, self.project_dir / CHANGELOG.name)

    def _build_docs(self) -> None:
        """The API reference: a page per tag, and one per model and enum."""
        docs_dir = self.project_dir / "docs"
        docs_dir.mkdir()
        pages: list[tuple[str, str, dict[str, Any]]] = [
            (api_page(tag), "api", {"tag": tag, "collection": collection})
            for tag, collection in self.openapi.endpoint_collections_by_tag.items()
        ]
        pages += [(f"{model.class_info.name}.md", "model", {"model": model}) for model in self.openapi.models]
        pages += [(f"{enum.class_info.name}.md", "enum", {"enum": enum}) for enum in self.openapi.enums]
        for name, kind, context in pages:
            template = self.env.get_template(f"docs/{kind}.md.jinja")
            (docs_dir / name).write_text(template.render(**context), encoding=self.config.file_encoding)

    def _build_api(self) -> None:
        """The stock modules, then the package's own: templates/package/*.jinja rendered, *.py copied."""
        super()._build_api()
        sources = sorted(path for path in PACKAGE_TEMPLATES.rglob("*") if path.suffix in (".jinja", ".py"))
        for source in sources:
            relative = source.relative_to(PACKAGE_TEMPLATES)
            target = self.package_dir / (relative.with_suffix("") if source.suffix == ".jinja" else relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix == ".py":
                shutil.copyfile(source, target)
            else:
                template = self.env.get_template(source.relative_to(TEMPLATES).as_posix())
                target.write_text(template.render(), encoding=self.config.file_encoding)


def changelog_section(text: str) -> str:
    """The changelog's entries, each heading one level down, to sit under a heading of the README."""
    entries = text[text.find("\n## ") + 1 :] if "\n## " in text else ""
    return re.sub(r"^(#+) ", r"#\1 ", entries, flags=re.MULTILINE).strip()


def render(spec_path: Path, config_path: Path, output: Path) -> list[GeneratorError]:
    """Generate the project into `output`, which must not exist yet."""
    spec = YAML(typ="safe").load(spec_path)
    config = Config.from_sources(
        ConfigFile.load_from_path(config_path),
        MetaType.PDM,
        spec_path,
        "utf-8",
        overwrite=False,
        output_path=output,
    )
    openapi = GeneratorData.from_dict(spec, config=config)
    if isinstance(openapi, GeneratorError):
        return [openapi]
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ["RUFF_NO_CACHE"] = "true"
    errors = ClientProject(openapi=openapi, config=config, spec=spec).build()
    (output / DIGEST_FILE).write_text(input_digest(spec_path, config_path) + "\n")
    return list(errors)


def differences(expected: Path, actual: Path) -> list[str]:
    """Relative paths of the files that differ between two trees, or exist in only one."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(expected, actual, ignore=["__pycache__"]), "")
    return sorted(found)


def report(errors: list[GeneratorError]) -> None:
    for error in errors:
        print(f"{error.level.value}: {error.header}", file=sys.stderr)
        if error.detail:
            print(f"  {error.detail.strip()}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spec", type=Path, default=ROOT / "openapi.yaml", help="the OpenAPI document")
    parser.add_argument("--config", type=Path, default=ROOT / "generator.yaml", help="generator settings")
    parser.add_argument("--output", type=Path, default=ROOT / "generated", help="the project folder to write")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="fail if the output differs from a fresh generation"
    )
    mode.add_argument("--force", action="store_true", help="regenerate even if no input changed")
    args = parser.parse_args()
    output: Path = args.output.resolve()
    digest_file = output / DIGEST_FILE

    up_to_date = digest_file.is_file() and digest_file.read_text().strip() == input_digest(
        args.spec, args.config
    )
    if up_to_date and not (args.check or args.force):
        print(f"{output.name}/ is up to date")
        return 0

    with tempfile.TemporaryDirectory(prefix=".generate-", dir=output.parent) as scratch:
        fresh = Path(scratch) / output.name
        errors = render(args.spec, args.config, fresh)
        if errors:
            report(errors)
            print("generation failed: the generator reported the problems above", file=sys.stderr)
            return 1
        if args.check:
            changed = differences(fresh, output) if output.is_dir() else ["(the whole folder)"]
            if changed:
                print(f"{output.name}/ differs from a fresh generation in:", file=sys.stderr)
                print("".join(f"  {name}\n" for name in changed), end="", file=sys.stderr)
                print("Run `make generate` and commit the result; never edit it by hand.", file=sys.stderr)
                return 1
            print(f"{output.name}/ matches a fresh generation")
            return 0
        if output.exists():
            shutil.rmtree(output)
        fresh.rename(output)
    print(f"generated {output.name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
