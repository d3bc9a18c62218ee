"""The package schema of `pop`: what the SDK generators and Pulumi YAML read, and what
`pulumi package get-schema` prints. Built from the core's names, so a property is named once."""

from __future__ import annotations

import json
from typing import Any

from pop_provider.core import inputs, verbs
from pop_provider.native import distribution
from pop_provider.native.names import camel

PACKAGE = "pop"
CERTIFICATE_TOKEN = "pop:index:VerifiedCaCertificate"
TRUSTED_CA_TOKEN = "pop:index:TrustedCa"
TARGET_TOKEN = "pop:index:CaTarget"

_STRING = {"type": "string"}

# Inputs of the certificate's target, shared by VerifiedCaCertificate and CaTarget.
_TARGET_INPUTS: dict[str, dict[str, Any]] = {
    inputs.HUB_ID: {
        **_STRING,
        "description": "ARM id of the IoT hub (e.g. an azure-native hub's `id`).",
    },
    inputs.DPS_ID: {**_STRING, "description": "ARM id of the Device Provisioning Service."},
    inputs.RESOURCE_GROUP_NAME: {
        **_STRING,
        "description": "Resource group of the hub or DPS, with `hubName` or `dpsName`.",
    },
    inputs.HUB_NAME: {**_STRING, "description": "Name of the IoT hub (with `resourceGroupName`)."},
    inputs.DPS_NAME: {**_STRING, "description": "Name of the DPS (with `resourceGroupName`)."},
    inputs.SUBSCRIPTION_ID: {
        **_STRING,
        "description": "Subscription of the hub or DPS; by default the provider's "
        "`subscriptionId`.",
    },
    inputs.CERTIFICATE_NAME: {
        **_STRING,
        "description": "Certificate name on the target; generated (stable per CA, target and "
        "stack) when omitted. Set it to adopt a certificate that is already there.",
    },
}

# How the CA proves possession, shared by VerifiedCaCertificate and TrustedCa.
_PROOF_INPUTS: dict[str, dict[str, Any]] = {
    inputs.CERTIFICATE_PEM: {**_STRING, "description": "The CA certificate, PEM."},
    inputs.MODE: {
        **_STRING,
        "description": "`proof` (default): proof of possession signed with the CA key; "
        "`offline`: the operator signs the proof for the verification code; "
        "`auto`: self-attested on upload (no proof).",
    },
    # Not declared secret: the SDKs and Pulumi YAML would mark them so before the provider sees
    # them, hiding a key the program passes in clear (set without `--secret`), which the
    # provider warns about. The provider keeps both secret in the state whatever it is given.
    inputs.PRIVATE_KEY_PEM: {
        **_STRING,
        "description": "The CA's private key, PEM (proof mode), or use a Key Vault key. Pass it "
        "as a secret (a warning says when it is not); the state always keeps it secret.",
    },
    inputs.PRIVATE_KEY_PASSWORD: {
        **_STRING,
        "description": "Password of an encrypted `privateKeyPem`; pass it as a secret too.",
    },
    inputs.KEY_VAULT_URL: {**_STRING, "description": "Vault holding the CA key (proof mode)."},
    inputs.KEY_VAULT_KEY_NAME: {**_STRING, "description": "Name of the CA key in the vault."},
    inputs.KEY_VAULT_KEY_VERSION: {
        **_STRING,
        "description": "Version of the CA key; the current one when omitted.",
    },
    "expiry_warning_days": {
        "type": "integer",
        "description": "Warn in preview and up when the CA expires within this many days "
        "(default 30).",
    },
}

_OUTPUTS: dict[str, dict[str, Any]] = {
    verbs.ARM_ID: {**_STRING, "description": "ARM id of the certificate."},
    verbs.SUBJECT: {**_STRING, "description": "Subject (common name) as Azure reports it."},
    verbs.THUMBPRINT: {**_STRING, "description": "SHA-1 thumbprint, as Azure reports it."},
    verbs.NOT_AFTER: {**_STRING, "description": "Expiry, ISO 8601."},
    verbs.IS_VERIFIED: {"type": "boolean", "description": "Whether Azure marks it Verified."},
    verbs.CODE: {
        **_STRING,
        "description": "Offline mode: the verification code to sign while one is outstanding.",
    },
    "days_until_expiry": {
        "type": "integer",
        "description": "Days until the CA expires, as of the last create, update or refresh.",
    },
}


def _camel(properties: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {camel(name): spec for name, spec in properties.items()}


def _public(properties: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The properties a resource reports back: never a key or its password."""
    return {name: spec for name, spec in properties.items() if name not in inputs.SECRET_INPUTS}


def _certificate() -> dict[str, Any]:
    declared = {
        **_TARGET_INPUTS,
        **_PROOF_INPUTS,
        inputs.PROOF_CERTIFICATE_PEM: {
            **_STRING,
            "description": "Offline mode: the proof certificate the operator signed.",
        },
    }
    outputs = {**_public(declared), **_OUTPUTS}
    return {
        "description": "An X.509 CA certificate trusted by an IoT hub or DPS and Verified by "
        "proof of possession.",
        "inputProperties": _camel(declared),
        "requiredInputs": [camel(inputs.CERTIFICATE_PEM)],
        "properties": _camel(outputs),
        "required": [
            camel(name)
            for name in (
                verbs.ARM_ID,
                inputs.CERTIFICATE_NAME,
                inputs.CERTIFICATE_PEM,
                verbs.IS_VERIFIED,
                inputs.MODE,
                verbs.SUBJECT,
                verbs.THUMBPRINT,
            )
        ],
    }


def _trusted_ca() -> dict[str, Any]:
    declared = {
        **_PROOF_INPUTS,
        "targets": {
            "type": "array",
            "items": {"$ref": f"#/types/{TARGET_TOKEN}"},
            "description": "Every hub and DPS to trust the CA on; each gets its own "
            "VerifiedCaCertificate child.",
        },
    }
    return {
        "isComponent": True,
        "description": "One CA trusted and Verified on many IoT hubs and DPS instances.",
        "inputProperties": _camel(declared),
        "requiredInputs": [camel(inputs.CERTIFICATE_PEM), "targets"],
        "properties": {
            "armIds": {
                "type": "object",
                "additionalProperties": _STRING,
                "description": "Each target's label and the ARM id of its certificate.",
            }
        },
        "required": ["armIds"],
    }


def _target_type() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A hub or DPS, by ARM id or by resource group and name.",
        "properties": {
            **_camel(_TARGET_INPUTS),
            "name": {
                **_STRING,
                "description": "Label of the child certificate (`<component>-<name>`); "
                "defaults to the hub's or DPS's name.",
            },
        },
    }


# The connection settings (never written to a resource's state; secrets marked so).
_CONFIG: dict[str, dict[str, Any]] = {
    "armEndpoint": {**_STRING, "description": "Resource Manager endpoint (a private one)."},
    "authorityHost": {**_STRING, "description": "Microsoft Entra authority host."},
    "caBundle": {**_STRING, "description": "PEM bundle of CAs to trust for TLS (an emulator)."},
    "environment": {**_STRING, "description": "Azure cloud: public, usgovernment, china."},
    "subscriptionId": {**_STRING, "description": "Default subscription of targets."},
    "tenantId": {**_STRING, "description": "Tenant of the service principal or identity."},
    "clientId": {**_STRING, "description": "Client id of the service principal or identity."},
    "clientSecret": {**_STRING, "secret": True, "description": "Service principal secret."},
    "useOidc": {"type": "boolean", "description": "Sign in with an OIDC (federated) token."},
    "oidcToken": {**_STRING, "secret": True, "description": "The OIDC token itself."},
    "oidcTokenFilePath": {**_STRING, "description": "A file holding the OIDC token."},
    "oidcRequestUrl": {**_STRING, "description": "Where to request an OIDC token (CI)."},
    "oidcRequestToken": {
        **_STRING,
        "secret": True,
        "description": "Bearer token for `oidcRequestUrl`.",
    },
}


SECRET_CONFIG = frozenset(name for name, spec in _CONFIG.items() if spec.get("secret"))


def package_schema(version: str) -> dict[str, Any]:
    return {
        "name": PACKAGE,
        "displayName": "pop-provider",
        "version": version,
        "description": "X.509 CA certificates on Azure IoT Hub and DPS, Verified by proof of "
        "possession.",
        "keywords": ["azure", "iot", "x509", "certificates", "category/cloud"],
        "license": "Apache-2.0",
        "publisher": "pop-provider",
        "pluginDownloadURL": distribution.PLUGIN_DOWNLOAD_URL,
        "repository": distribution.REPOSITORY_URL,
        "homepage": distribution.REPOSITORY_URL,
        "config": {"variables": _CONFIG},
        "provider": {"inputProperties": _CONFIG},
        "types": {TARGET_TOKEN: _target_type()},
        "resources": {CERTIFICATE_TOKEN: _certificate(), TRUSTED_CA_TOKEN: _trusted_ca()},
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
