"""Each resource's properties, declared once: name, type, role, secrecy, group and description.

Everything else is derived from this module: the package schema (pop_provider.native.schema),
camelCase names (pop_provider.native.names), the lists the checks and verbs work on
(pop_provider.core.inputs, pop_provider.core.verbs), the keys TrustedCa passes to its children,
the stack-config keys with their `...File` / `...Secret` forms (pop_provider.program), and the
names the policy pack reads (a test compares them). So a new input is one `Property` here plus
its behaviour; the dynamic face's dataclasses, the Python API, are written by hand and a test
proves their fields equal what is declared here.

Names are the core's (snake_case); every face spells them its own way from these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class DescribedEnum(Enum):
    """An enum whose members carry the description the schema and the docs show: each member
    is `NAME = value, description`."""

    _value_: str
    description: str

    def __new__(cls, value: str, description: str = "") -> DescribedEnum:
        member = object.__new__(cls)
        member._value_ = value
        member.description = description
        return member


class Mode(DescribedEnum):
    """How the certificate reaches Verified."""

    AUTO = "auto", "Self-attested: Azure marks the certificate Verified on upload, no proof."
    PROOF = (
        "proof",
        "The default: proof of possession, signed with the CA's key (a PEM key or a Key Vault "
        "key) in the same `up`.",
    )
    OFFLINE = (
        "offline",
        "Proof of possession signed where the key lives: `up` outputs the verification code, "
        "the operator signs it, sets `proofCertificatePem`, and the next `up` verifies.",
    )


class Group(Enum):
    """What part of the resource a property describes; faces and checks select by group."""

    TARGET = "target"  # the hub or DPS: one of the forms in pop_provider.core.inputs
    NAME = "name"  # the certificate's name on its target (per target in a TrustedCa)
    CA = "ca"  # the CA and how it is proved: shared by a TrustedCa's children
    KEY = "key"  # the signer of proof mode: a local key or a Key Vault key
    PROOF = "proof"  # offline mode's proof, per certificate
    WARNING = "warning"  # read by the faces in the program, never sent to Azure
    OUTPUT = "output"  # what Azure reports (or the faces count)
    ENROLLMENT = "enrollment"  # an enrollment group's settings, sent to the DPS service API
    DERIVED = "derived"  # set by check, kept in the state, in no schema


class StackConfig(Enum):
    """How the config-driven program takes an input from `<project>:certificates`."""

    VALUE = "value"  # the key as the schema names it
    FILE_OR_VALUE = "file or value"  # `xFile` (a path) or `xPem` (the text)
    FILE_OR_SECRET = "file or secret"  # `xFile` or `xSecret` (a config key set with --secret)
    SECRET = "secret"  # only `xSecret`: a secret never sits in the list
    NONE = "none"  # not an input of the list


@dataclass(frozen=True)
class Property:
    """One property of a resource, as every face and document derives it."""

    name: str
    schema_type: str  # a schema type ("string", "integer", "boolean"), or an enum's name
    group: Group
    description: str
    input: bool = True
    # A program must set it (the schema's `requiredInputs`).
    required: bool = False
    # Reported back in the state (and the schema's `properties`): keys never are.
    output: bool = True
    # Always present in the state once created (the schema's `required`).
    always_output: bool = False
    # Always kept secret, whatever the program passed (never an output).
    secret: bool = False
    stack_config: StackConfig = StackConfig.VALUE
    enum: type[DescribedEnum] | None = None
    # An "array"'s item type or an "object"'s value type ("string", "any"): the schema's
    # `items` / `additionalProperties`.
    item_type: str | None = None

    @property
    def camel(self) -> str:
        return camel(self.name)

    def stack_config_keys(self) -> tuple[str, ...]:
        """The keys of a `certificates` entry that set this input."""
        stem = self.camel.removesuffix("Pem")
        return {
            StackConfig.VALUE: (self.camel,),
            StackConfig.FILE_OR_VALUE: (f"{stem}File", self.camel),
            StackConfig.FILE_OR_SECRET: (f"{stem}File", f"{stem}Secret"),
            StackConfig.SECRET: (f"{stem}Secret",),
            StackConfig.NONE: (),
        }[self.stack_config]


_WORD = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    """`key_vault_url` as programs in every Pulumi language spell it: `keyVaultUrl`."""
    return _WORD.sub(lambda m: m.group(1).upper(), name)


_S = "string"

# Said of every form of the target, once.
_ONE_TARGET = (
    " Give exactly one of `hubId`, `dpsId`, `hubName` (with `resourceGroupName`) or `dpsName` "
    "(with `resourceGroupName`); changing the target replaces the certificate."
)
_TARGET_ID = " Not combined with `resourceGroupName` or `subscriptionId`: the id carries both."

# -- where ---------------------------------------------------------------------------------------
HUB_ID = Property(
    "hub_id",
    _S,
    Group.TARGET,
    (
        "ARM id of the IoT hub to trust the CA on "
        "(`/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Devices/IotHubs/<hub>`),"
        " e.g. an azure-native IotHubResource's `id`." + _TARGET_ID + _ONE_TARGET
    ),
)
DPS_ID = Property(
    "dps_id",
    _S,
    Group.TARGET,
    (
        "ARM id of the Device Provisioning Service to trust the CA on "
        "(`.../providers/Microsoft.Devices/provisioningServices/<dps>`), e.g. an azure-native "
        "IotDpsResource's `id`." + _TARGET_ID + _ONE_TARGET
    ),
)
SUBSCRIPTION_ID = Property(
    "subscription_id",
    _S,
    Group.TARGET,
    (
        "Subscription of the hub or DPS named by `hubName` or `dpsName`; by default the "
        "provider's `subscriptionId` (`pop:subscriptionId`, else the `AZURE_SUBSCRIPTION_ID` or "
        "`ARM_SUBSCRIPTION_ID` environment variable). Not used with `hubId` or `dpsId`."
    ),
)
RESOURCE_GROUP_NAME = Property(
    "resource_group_name",
    _S,
    Group.TARGET,
    (
        "Resource group of the hub or DPS named by `hubName` or `dpsName`; required with either, "
        "not used with `hubId` or `dpsId`." + _ONE_TARGET
    ),
)
HUB_NAME = Property(
    "hub_name",
    _S,
    Group.TARGET,
    (
        "Name of the IoT hub to trust the CA on, in `resourceGroupName` (required with it) and "
        "`subscriptionId`." + _ONE_TARGET
    ),
)
DPS_NAME = Property(
    "dps_name",
    _S,
    Group.TARGET,
    (
        "Name of the Device Provisioning Service to trust the CA on, in `resourceGroupName` "
        "(required with it) and `subscriptionId`." + _ONE_TARGET
    ),
)
CERTIFICATE_NAME = Property(
    "certificate_name",
    _S,
    Group.NAME,
    (
        "The certificate's name on the target: 1-64 letters, digits, '-', '.' or '_'. When "
        "omitted it is generated as `<resource name>-<8 hex>`, stable per CA, target and stack, "
        "so a retried create finds its own upload and a new CA gets a new name beside the old "
        "one. Set it to adopt a certificate the target already has; changing it replaces the "
        "certificate."
    ),
    always_output=True,
)

# -- what, and how it is proved ------------------------------------------------------------------
CERTIFICATE_PEM = Property(
    "certificate_pem",
    _S,
    Group.CA,
    (
        "The CA certificate, PEM (or base64 DER): one certificate, a CA (basicConstraints "
        "CA:TRUE), within its validity, with an RSA or ECDSA P-256/P-384/P-521 key; a leaf, a "
        "chain or an expired certificate fails the check. Changing it replaces the certificate, "
        "the new one Verified before the old one is deleted."
    ),
    required=True,
    always_output=True,
    stack_config=StackConfig.FILE_OR_VALUE,
)
MODE = Property(
    "mode",
    "Mode",
    Group.CA,
    (
        "How the certificate reaches Verified: `proof` (the default) signs a proof of "
        "possession with the CA key (`privateKeyPem`, or `keyVaultUrl` and `keyVaultKeyName`); "
        "`offline` outputs `verificationCode` for the operator to sign where the key lives and "
        "verifies once `proofCertificatePem` is set; `auto` uploads it already Verified, with "
        "no proof. `offline` and `auto` take no key."
    ),
    always_output=True,
    enum=Mode,
)
# Not declared secret in the schema: the SDKs and Pulumi YAML would mark them so before the
# provider sees them, hiding a key the program passes in clear (set without `--secret`), which
# the provider warns about. The provider keeps both secret in the state whatever it is given.
PRIVATE_KEY_PEM = Property(
    "private_key_pem",
    _S,
    Group.KEY,
    (
        "The CA's private key, PEM, in `proof` mode (or use a Key Vault key instead); checked "
        "against `certificatePem` before any call to Azure. Pass it as a secret (a warning says "
        "when it is not); it is always stored as a secret and is never an output."
    ),
    output=False,
    secret=True,
    stack_config=StackConfig.FILE_OR_SECRET,
)
PRIVATE_KEY_PASSWORD = Property(
    "private_key_password",
    _S,
    Group.KEY,
    (
        "Password of an encrypted `privateKeyPem`. Pass it as a secret; it is always stored as "
        "a secret and is never an output."
    ),
    output=False,
    secret=True,
    stack_config=StackConfig.SECRET,
)
KEY_VAULT_URL = Property(
    "key_vault_url",
    _S,
    Group.KEY,
    (
        "URL of the Azure Key Vault holding the CA key (`https://<vault>.vault.azure.net`), in "
        "`proof` mode instead of `privateKeyPem`, with `keyVaultKeyName`. The vault signs the "
        "proof and the key never leaves it; the provider's identity needs Get and Sign on keys "
        "(e.g. the role Key Vault Crypto User)."
    ),
)
KEY_VAULT_KEY_NAME = Property(
    "key_vault_key_name",
    _S,
    Group.KEY,
    (
        "Name of the CA key in `keyVaultUrl`'s vault: 1-127 letters, digits or '-'. Its public "
        "half is checked against `certificatePem` before any call to the IoT hub or DPS."
    ),
)
KEY_VAULT_KEY_VERSION = Property(
    "key_vault_key_version",
    _S,
    Group.KEY,
    (
        "Version of the CA key in the vault (letters and digits); the key's current version "
        "when omitted."
    ),
)
PROOF_CERTIFICATE_PEM = Property(
    "proof_certificate_pem",
    _S,
    Group.PROOF,
    (
        "`offline` mode: the proof of possession the operator signed with the CA key, PEM, a "
        "certificate whose subject (CN) is `verificationCode`. Checked locally against the CA, "
        "then submitted by the next `up`; only used in `offline` mode."
    ),
    stack_config=StackConfig.FILE_OR_VALUE,
)
EXPIRY_WARNING_DAYS = Property(
    "expiry_warning_days",
    "integer",
    Group.WARNING,
    (
        "Warn in `preview` and `up` when the CA expires within this many days; default 30. An "
        "expired CA fails the check instead."
    ),
)

# -- what Azure reports --------------------------------------------------------------------------
ARM_ID = Property(
    "arm_id",
    _S,
    Group.OUTPUT,
    (
        "ARM id of the certificate on the hub or DPS, "
        "`<hub or DPS id>/certificates/<certificateName>`: the resource's id, which "
        "`pulumi import` takes."
    ),
    input=False,
    always_output=True,
)
SUBJECT = Property(
    "subject",
    _S,
    Group.OUTPUT,
    ("The certificate's subject (common name), as Azure reports it."),
    input=False,
    always_output=True,
)
THUMBPRINT = Property(
    "thumbprint",
    _S,
    Group.OUTPUT,
    (
        "SHA-1 thumbprint of the certificate, as Azure reports it; how drift on a DPS, which "
        "never returns a certificate's content, is judged."
    ),
    input=False,
    always_output=True,
)
NOT_AFTER = Property(
    "not_after",
    _S,
    Group.OUTPUT,
    ("When the CA expires, ISO 8601, as Azure reports it."),
    input=False,
)
IS_VERIFIED = Property(
    "is_verified",
    "boolean",
    Group.OUTPUT,
    (
        "Whether Azure marks the certificate Verified. False after a refresh that found it "
        "unverified out of band (the next `up` proves it again), or while an `offline` proof is "
        "awaited."
    ),
    input=False,
    always_output=True,
)
VERIFICATION_CODE = Property(
    "verification_code",
    _S,
    Group.OUTPUT,
    (
        "`offline` mode: the verification code to sign, as the subject (CN) of "
        "`proofCertificatePem`, while the certificate awaits its proof; empty once Verified."
    ),
    input=False,
)
DAYS_UNTIL_EXPIRY = Property(
    "days_until_expiry",
    "integer",
    Group.OUTPUT,
    (
        "Days until the CA expires, as of the last create, update or refresh; `up` warns "
        "within `expiryWarningDays`."
    ),
    input=False,
)

# -- what check derives (state only) -------------------------------------------------------------
TARGET_ID = Property(
    "target_id",
    _S,
    Group.DERIVED,
    "The canonical ARM id of the target.",
    input=False,
    stack_config=StackConfig.NONE,
)
NAME_GENERATED = Property(
    "certificate_name_generated",
    "boolean",
    Group.DERIVED,
    "Whether certificate_name was generated (and so may change on replacement).",
    input=False,
    stack_config=StackConfig.NONE,
)
NAME_PREFIX = Property(
    "name_prefix",
    _S,
    Group.DERIVED,
    "The declaring resource's name.",
    input=False,
    stack_config=StackConfig.NONE,
)
NAME_SCOPE = Property(
    "name_scope",
    _S,
    Group.DERIVED,
    "The declaring stack, `project/stack`.",
    input=False,
    stack_config=StackConfig.NONE,
)


@dataclass(frozen=True)
class Resource:
    """A resource's token and properties, in the order documents list them."""

    token: str
    properties: tuple[Property, ...]

    def inputs(self, *groups: Group) -> tuple[Property, ...]:
        """The inputs a program declares, of `groups` (all groups when none is given)."""
        return tuple(p for p in self.properties if p.input and (not groups or p.group in groups))

    def names(self, *groups: Group) -> tuple[str, ...]:
        return tuple(p.name for p in self.inputs(*groups))

    def outputs(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.output and p.group is not Group.DERIVED)

    def secrets(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties if p.secret)


VERIFIED_CA_CERTIFICATE = Resource(
    "pop:index:VerifiedCaCertificate",
    (
        HUB_ID,
        DPS_ID,
        SUBSCRIPTION_ID,
        RESOURCE_GROUP_NAME,
        HUB_NAME,
        DPS_NAME,
        CERTIFICATE_NAME,
        CERTIFICATE_PEM,
        MODE,
        PRIVATE_KEY_PEM,
        PRIVATE_KEY_PASSWORD,
        KEY_VAULT_URL,
        KEY_VAULT_KEY_NAME,
        KEY_VAULT_KEY_VERSION,
        PROOF_CERTIFICATE_PEM,
        EXPIRY_WARNING_DAYS,
        ARM_ID,
        SUBJECT,
        THUMBPRINT,
        NOT_AFTER,
        IS_VERIFIED,
        VERIFICATION_CODE,
        DAYS_UNTIL_EXPIRY,
        TARGET_ID,
        NAME_GENERATED,
        NAME_PREFIX,
        NAME_SCOPE,
    ),
)

# A TrustedCa passes the CA and its signer to every child; each target names where and (if it
# adopts one) the certificate's name. Offline proofs are per certificate: not shared.
TRUSTED_CA_SHARED = VERIFIED_CA_CERTIFICATE.inputs(Group.CA, Group.KEY, Group.WARNING)
CA_TARGET_FIELDS = VERIFIED_CA_CERTIFICATE.inputs(Group.TARGET, Group.NAME)
# TrustedCa's own properties beside the shared ones, and CaTarget's label.
TARGETS = Property(
    "targets",
    "array",
    Group.TARGET,
    (
        "Every hub and DPS to trust the CA on (at least one); each gets its own "
        "VerifiedCaCertificate child, `<component>-<label>`, with its own upload and proof. "
        "Adding a target creates a child, removing one deletes only that target's certificate."
    ),
    output=False,
)
ARM_IDS = Property(
    "arm_ids",
    "object",
    Group.OUTPUT,
    (
        "Map from each target's label to the ARM id of its certificate, "
        "e.g. `{west: <hub id>/certificates/<name>}`."
    ),
    input=False,
    always_output=True,
)
TARGET_LABEL = Property(
    "name",
    _S,
    Group.NAME,
    (
        "Label of the target: names its child certificate (`<component>-<name>`) and its key in "
        "`armIds`. Defaults to the hub's or DPS's name; required when the target's id is not "
        "known to the program (an Output), and distinct within `targets`."
    ),
)


# -- EnrollmentGroup: a DPS enrollment group bound to verified CAs ------------------------------


class AllocationPolicy(DescribedEnum):
    """How DPS picks the IoT hub a device of the group is assigned to."""

    HASHED = "hashed", "The default: devices spread evenly over the group's hubs."
    GEO_LATENCY = "geoLatency", "Each device to the hub with the lowest latency to it."
    STATIC = "static", "Every device to the one hub `iotHubs` names."
    CUSTOM = (
        "custom",
        "An Azure Function decides: `customAllocationWebhookUrl` and `customAllocationApiVersion`.",
    )


class ProvisioningStatus(DescribedEnum):
    """Whether DPS provisions the group's devices."""

    ENABLED = "enabled", "The default: devices chained to the group's CA are provisioned."
    DISABLED = (
        "disabled",
        "Devices of the group are refused (and, with the group on an intermediate, the whole "
        "subtree under it).",
    )


_ONE_DPS = (
    " Give `dpsId`, or `dpsName` with `resourceGroupName`; changing the DPS replaces the group."
)
GROUP_DPS_ID = Property(
    "dps_id",
    _S,
    Group.TARGET,
    (
        "ARM id of the Device Provisioning Service holding the group "
        "(`.../providers/Microsoft.Devices/provisioningServices/<dps>`), e.g. an azure-native "
        "IotDpsResource's `id`." + _TARGET_ID + _ONE_DPS
    ),
)
GROUP_SUBSCRIPTION_ID = Property(
    "subscription_id",
    _S,
    Group.TARGET,
    (
        "Subscription of the DPS named by `dpsName`; by default the provider's `subscriptionId` "
        "(`pop:subscriptionId`, else `AZURE_SUBSCRIPTION_ID` or `ARM_SUBSCRIPTION_ID`). Not "
        "used with `dpsId`."
    ),
)
GROUP_RESOURCE_GROUP_NAME = Property(
    "resource_group_name",
    _S,
    Group.TARGET,
    "Resource group of the DPS named by `dpsName`; required with it." + _ONE_DPS,
)
GROUP_DPS_NAME = Property(
    "dps_name",
    _S,
    Group.TARGET,
    "Name of the DPS holding the group, in `resourceGroupName` and `subscriptionId`." + _ONE_DPS,
)
ENROLLMENT_GROUP_ID = Property(
    "enrollment_group_id",
    _S,
    Group.NAME,
    (
        "The group's id on the DPS: 1-128 letters, digits, '-', '.', '_' or ':'. One resource "
        "owns a group id on a DPS: a group that already exists is never taken over (import it "
        "instead). Changing it replaces the group."
    ),
    required=True,
    always_output=True,
)
CA_REFERENCE_PRIMARY = Property(
    "ca_reference_primary",
    _S,
    Group.ENROLLMENT,
    (
        "Name of the CA certificate on the same DPS that devices of the group chain to, e.g. a "
        "VerifiedCaCertificate's `certificateName` (which also orders the group after the CA "
        "is Verified). A name no resource of the program declares on that DPS must be Verified "
        "there already."
    ),
    required=True,
    always_output=True,
)
CA_REFERENCE_SECONDARY = Property(
    "ca_reference_secondary",
    _S,
    Group.ENROLLMENT,
    (
        "Name of a second CA certificate on the DPS, for a rotation: add the successor here, "
        "then swap it to `caReferencePrimary` and drop the old one."
    ),
)
ALLOCATION_POLICY = Property(
    "allocation_policy",
    "AllocationPolicy",
    Group.ENROLLMENT,
    (
        "How DPS assigns a device to a hub: `hashed` (the default), `geoLatency`, `static` "
        "(exactly one hub in `iotHubs`) or `custom` (with `customAllocationWebhookUrl` and "
        "`customAllocationApiVersion`)."
    ),
    enum=AllocationPolicy,
)
IOT_HUBS = Property(
    "iot_hubs",
    "array",
    Group.ENROLLMENT,
    (
        "Host names of the hubs the group may assign to (`<hub>.azure-devices.net`), each "
        "linked to the DPS; all of the DPS's linked hubs when omitted."
    ),
    item_type=_S,
)
CUSTOM_ALLOCATION_WEBHOOK_URL = Property(
    "custom_allocation_webhook_url",
    _S,
    Group.ENROLLMENT,
    "`custom` allocation: the URL of the Azure Function that picks the hub.",
)
CUSTOM_ALLOCATION_API_VERSION = Property(
    "custom_allocation_api_version",
    _S,
    Group.ENROLLMENT,
    "`custom` allocation: the api-version DPS calls the webhook with, e.g. `2021-10-01`.",
)
INITIAL_TWIN_TAGS = Property(
    "initial_twin_tags",
    "object",
    Group.ENROLLMENT,
    "Tags of the device twin a device of the group starts with.",
    item_type="any",
)
INITIAL_TWIN_DESIRED_PROPERTIES = Property(
    "initial_twin_desired_properties",
    "object",
    Group.ENROLLMENT,
    "Desired properties of the device twin a device of the group starts with.",
    item_type="any",
)
PROVISIONING_STATUS = Property(
    "provisioning_status",
    "ProvisioningStatus",
    Group.ENROLLMENT,
    (
        "`enabled` (the default) or `disabled`; a group disabled out of band is enabled again "
        "by the next `up` after a refresh."
    ),
    enum=ProvisioningStatus,
)
REPROVISION_UPDATE_HUB_ASSIGNMENT = Property(
    "reprovision_update_hub_assignment",
    "boolean",
    Group.ENROLLMENT,
    "Whether a device that provisions again may be moved to another hub; default true.",
)
REPROVISION_MIGRATE_DEVICE_DATA = Property(
    "reprovision_migrate_device_data",
    "boolean",
    Group.ENROLLMENT,
    (
        "Whether a device moved to another hub takes its twin and state along; default true "
        "(only with `reprovisionUpdateHubAssignment`)."
    ),
)
IOT_EDGE = Property(
    "iot_edge",
    "boolean",
    Group.ENROLLMENT,
    "Whether the group's devices are IoT Edge devices; default false.",
)
GROUP_ARM_ID = Property(
    "arm_id",
    _S,
    Group.OUTPUT,
    (
        "The group's id, `<DPS ARM id>/enrollmentGroups/<enrollmentGroupId>`: the resource's "
        "id, which `pulumi import` takes."
    ),
    input=False,
    always_output=True,
)
ETAG = Property(
    "etag",
    _S,
    Group.OUTPUT,
    "The group's etag on the DPS: every update and delete sends it (`If-Match`).",
    input=False,
    always_output=True,
)
CREATED_DATE_TIME_UTC = Property(
    "created_date_time_utc",
    _S,
    Group.OUTPUT,
    "When the group was created, ISO 8601 UTC, as DPS reports it.",
    input=False,
)
LAST_UPDATED_DATE_TIME_UTC = Property(
    "last_updated_date_time_utc",
    _S,
    Group.OUTPUT,
    "When the group was last written, ISO 8601 UTC, as DPS reports it.",
    input=False,
)
GROUP_TARGET_ID = Property(
    "target_id",
    _S,
    Group.DERIVED,
    "The canonical ARM id of the DPS.",
    input=False,
    stack_config=StackConfig.NONE,
)

ENROLLMENT_GROUP = Resource(
    "pop:index:EnrollmentGroup",
    (
        GROUP_DPS_ID,
        GROUP_SUBSCRIPTION_ID,
        GROUP_RESOURCE_GROUP_NAME,
        GROUP_DPS_NAME,
        ENROLLMENT_GROUP_ID,
        CA_REFERENCE_PRIMARY,
        CA_REFERENCE_SECONDARY,
        ALLOCATION_POLICY,
        IOT_HUBS,
        CUSTOM_ALLOCATION_WEBHOOK_URL,
        CUSTOM_ALLOCATION_API_VERSION,
        INITIAL_TWIN_TAGS,
        INITIAL_TWIN_DESIRED_PROPERTIES,
        PROVISIONING_STATUS,
        REPROVISION_UPDATE_HUB_ASSIGNMENT,
        REPROVISION_MIGRATE_DEVICE_DATA,
        IOT_EDGE,
        GROUP_ARM_ID,
        ETAG,
        CREATED_DATE_TIME_UTC,
        LAST_UPDATED_DATE_TIME_UTC,
        GROUP_TARGET_ID,
        NAME_PREFIX,
    ),
)
