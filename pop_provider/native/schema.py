"""The package schema of `pop`: what the SDK generators and Pulumi YAML read, and what
`pulumi package get-schema` prints. Derived from pop_provider.core.declaration, where each
property is declared once."""

from __future__ import annotations

import json
from typing import Any

from pop_provider.core import declaration as declared
from pop_provider.core.declaration import DescribedEnum, Property
from pop_provider.native import descriptions, distribution

PACKAGE = "pop"
CERTIFICATE_TOKEN = declared.VERIFIED_CA_CERTIFICATE.token
ENROLLMENT_GROUP_TOKEN = declared.ENROLLMENT_GROUP.token
TRUSTED_CA_TOKEN = "pop:index:TrustedCa"
TARGET_TOKEN = "pop:index:CaTarget"

_STRING = {"type": "string"}
# Enums of the declaration, by the type name a property gives.
_ENUMS: dict[str, type[DescribedEnum]] = {
    prop.schema_type: prop.enum
    for resource in (declared.VERIFIED_CA_CERTIFICATE, declared.ENROLLMENT_GROUP)
    for prop in resource.properties
    if prop.enum is not None
}
_ANY = {"$ref": "pulumi.json#/Any"}


def _spec(prop: Property) -> dict[str, Any]:
    """A property as the schema types it, with its description."""
    if prop.enum is not None:
        return {"$ref": f"#/types/pop:index:{prop.schema_type}", "description": prop.description}
    spec: dict[str, Any] = {"type": prop.schema_type, "description": prop.description}
    if prop.item_type is not None:
        item = _ANY if prop.item_type == "any" else {"type": prop.item_type}
        spec["items" if prop.schema_type == "array" else "additionalProperties"] = item
    return spec


def _properties(props: tuple[Property, ...]) -> dict[str, dict[str, Any]]:
    return {prop.camel: _spec(prop) for prop in props}


def _certificate() -> dict[str, Any]:
    return _custom(declared.VERIFIED_CA_CERTIFICATE, descriptions.VERIFIED_CA_CERTIFICATE)


def _custom(resource: declared.Resource, description: str) -> dict[str, Any]:
    """A custom resource's schema: its declared inputs and outputs, and its long description."""
    declared_inputs = resource.inputs()
    return {
        "description": description,
        "inputProperties": _properties(declared_inputs),
        "requiredInputs": [p.camel for p in declared_inputs if p.required],
        "properties": _properties(resource.outputs()),
        "required": sorted(p.camel for p in resource.outputs() if p.always_output),
    }


def _trusted_ca() -> dict[str, Any]:
    targets = {
        **_spec(declared.TARGETS),
        "items": {"$ref": f"#/types/{TARGET_TOKEN}"},
    }
    return {
        "isComponent": True,
        "description": descriptions.TRUSTED_CA,
        "inputProperties": {
            **_properties(declared.TRUSTED_CA_SHARED),
            declared.TARGETS.camel: targets,
        },
        "requiredInputs": [
            *(p.camel for p in declared.TRUSTED_CA_SHARED if p.required),
            declared.TARGETS.camel,
        ],
        "properties": {
            declared.ARM_IDS.camel: {**_spec(declared.ARM_IDS), "additionalProperties": _STRING}
        },
        "required": [declared.ARM_IDS.camel],
    }


def _target_type() -> dict[str, Any]:
    return {
        "type": "object",
        "description": descriptions.CA_TARGET,
        "properties": _properties((*declared.CA_TARGET_FIELDS, declared.TARGET_LABEL)),
    }


def _enum_type(enum: type[DescribedEnum]) -> dict[str, Any]:
    return {
        "type": "string",
        "description": (enum.__doc__ or "").strip(),
        "enum": [
            {
                "name": "".join(part.title() for part in member.name.split("_")),
                "value": member.value,
                "description": member.description,
            }
            for member in enum
        ],
    }


# The connection settings (never written to a resource's state; secrets marked so), described
# in pop_provider.native.descriptions.
_CONFIG_TYPES: dict[str, dict[str, Any]] = {
    "armEndpoint": _STRING,
    "authorityHost": _STRING,
    "caBundle": _STRING,
    "environment": _STRING,
    "subscriptionId": _STRING,
    "tenantId": _STRING,
    "clientId": _STRING,
    "clientSecret": {**_STRING, "secret": True},
    "useOidc": {"type": "boolean"},
    "oidcToken": {**_STRING, "secret": True},
    "oidcTokenFilePath": _STRING,
    "oidcRequestUrl": _STRING,
    "oidcRequestToken": {**_STRING, "secret": True},
    "dpsSharedAccessPolicy": _STRING,
}
_CONFIG = {
    name: {**spec, "description": descriptions.CONFIG[name]} for name, spec in _CONFIG_TYPES.items()
}


SECRET_CONFIG = frozenset(name for name, spec in _CONFIG.items() if spec.get("secret"))


def package_schema(version: str) -> dict[str, Any]:
    return {
        "name": PACKAGE,
        "displayName": "pop-provider",
        "version": version,
        "description": descriptions.PACKAGE,
        "keywords": ["azure", "iot", "x509", "certificates", "category/cloud"],
        "license": "Apache-2.0",
        "publisher": "pop-provider",
        "pluginDownloadURL": distribution.PLUGIN_DOWNLOAD_URL,
        "repository": distribution.REPOSITORY_URL,
        "homepage": distribution.REPOSITORY_URL,
        "config": {"variables": _CONFIG},
        "provider": {"inputProperties": _CONFIG},
        "types": {
            TARGET_TOKEN: _target_type(),
            **{f"pop:index:{name}": _enum_type(enum) for name, enum in _ENUMS.items()},
        },
        "resources": {
            CERTIFICATE_TOKEN: _certificate(),
            TRUSTED_CA_TOKEN: _trusted_ca(),
            ENROLLMENT_GROUP_TOKEN: _custom(
                declared.ENROLLMENT_GROUP, descriptions.ENROLLMENT_GROUP
            ),
        },
        "language": {
            "nodejs": {"packageName": distribution.NPM_PACKAGE, "respectSchemaVersion": True},
            "go": {
                "importBasePath": distribution.GO_IMPORT_BASE_PATH,
                "generateResourceContainerTypes": True,
                "respectSchemaVersion": True,
            },
            "python": {
                "packageName": distribution.PYTHON_PACKAGE,
                "respectSchemaVersion": True,
                "pyproject": {"enabled": True},
            },
            "csharp": {"rootNamespace": "PopProvider", "respectSchemaVersion": True},
            "java": {"basePackage": "io.github.popprovider"},
        },
    }


def schema_json(version: str) -> str:
    return json.dumps(package_schema(version), indent=2, sort_keys=True)
