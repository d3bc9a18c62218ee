"""Which api-versions each resource type accepts, and which PUT body shape each version uses.

Sources (Azure/azure-rest-api-specs unless noted):
- IoT Hub: the readme tags of ``specification/iothub/.../Microsoft.Devices/IoTHub/readme.md``, the
  TypeSpec previews, and the list ARM itself printed for type 'IotHubs' in [issue]
  Azure/azure-quickstart-templates#12630 (adds 2018-04-01-preview and 2020-01-01).
  Certificates first appear in 2017-07-01 [sdk CHANGELOG 0.4.0;
  issue Azure/azure-rest-api-specs#1514].
- DPS: the readme tags of ``.../DeviceProvisioningServices/readme.md``, the 2026-08-01 example
  folder, and 2026-11-01, the default of azure-mgmt-iothubprovisioningservices 2.1.0 [sdk].
- Microsoft.Authorization: see ``ROLE_API_VERSIONS`` below.
- Microsoft.Resources: the tags of
  ``specification/resources/.../Microsoft.Resources/resources/readme.md``.
"""

from __future__ import annotations

IOTHUB_STABLE = (
    "2016-02-03",
    "2017-01-19",
    "2017-07-01",
    "2018-01-22",
    "2018-04-01",
    "2019-03-22",
    "2019-11-04",
    "2020-01-01",
    "2020-03-01",
    "2020-04-01",
    "2020-06-15",
    "2020-08-01",
    "2020-08-31",
    "2021-03-31",
    "2021-07-01",
    "2021-07-02",
    "2023-06-30",
)
IOTHUB_PREVIEW = (
    "2015-08-15-preview",
    "2018-04-01-preview",
    "2018-12-01-preview",
    "2019-03-22-preview",
    "2019-07-01-preview",
    "2020-07-10-preview",
    "2020-08-31-preview",
    "2021-02-01-preview",
    "2021-03-03-preview",
    "2021-07-01-preview",
    "2021-07-02-preview",
    "2022-04-30-preview",
    "2022-11-15-preview",
    "2023-06-30-preview",
    "2025-08-01-preview",
    "2026-03-01-preview",
    "2026-05-01-preview",
    "2026-08-01-preview",
    "2026-10-01-preview",
)
IOTHUB_RESOURCE_VERSIONS = tuple(sorted(IOTHUB_STABLE + IOTHUB_PREVIEW))
IOTHUB_CERTIFICATE_VERSIONS = tuple(v for v in IOTHUB_RESOURCE_VERSIONS if v >= "2017-07-01")

# PUT body: top-level {"certificate": ...} up to 2020-08-31, {"properties": {...}} from 2021-03-31
# on [spec examples; rec]. The two previews in between (2021-02-01, 2021-03-03) [guess] new shape.
IOTHUB_LAST_FLAT_BODY_VERSION = "2020-08-31"
# `created` is .NET's DateTime.MinValue from this version on [rec B: 2021-07-02; azure-sdk-for-net
# 2022 recordings, 2021-07-02]; a real time before [rec: azure-sdk-for-net
# TestIotHubCertificateLifeCycle.json, 2020-03-01]. The exact boundary is a [guess].
IOTHUB_FIRST_UNSET_CREATED_VERSION = "2021-07-02"

# How a hub certificate that Azure Device Registry synced names its ADR link: no property up to
# 2025-08-01-preview; `policyResourceId` ("reference to policy stored in Azure Device Registry")
# from 2025-08-01-preview [spec: bicep-types-az
# generated/iothub/microsoft.devices/2025-08-01-preview/types.md; example
# CreateOrReplace_Certificates_With_DeviceRegistryPolicy.json]; replaced by
# `certificateAuthorityResourceId` in 2026-10-01-preview [spec: .../2026-10-01-preview/types.md;
# IoTHub models.tsp @added(v2026_10_01_preview)]. The previews in between (2026-03/05/08) keep
# `policyResourceId` [guess: read from "removed in 2026-10-01-preview"]. No stable version has
# either [spec]; whether the service still returns one on a stable version is unknown, and the
# emulator omits it there [guess].
IOTHUB_FIRST_POLICY_RESOURCE_ID_VERSION = "2025-08-01"
IOTHUB_FIRST_CA_RESOURCE_ID_VERSION = "2026-10-01"


def iothub_device_registry_property(api_version: str) -> str | None:
    """The property that carries a certificate's ADR link at ``api_version``, or None."""
    if not api_version.endswith("-preview"):
        return None
    if api_version[:10] >= IOTHUB_FIRST_CA_RESOURCE_ID_VERSION:
        return "certificateAuthorityResourceId"
    if api_version[:10] >= IOTHUB_FIRST_POLICY_RESOURCE_ID_VERSION:
        return "policyResourceId"
    return None


DPS_STABLE = (
    "2017-11-15",
    "2018-01-22",
    "2020-01-01",
    "2020-03-01",
    "2021-10-15",
    "2022-02-05",
    "2022-12-12",
    "2026-04-01",
    "2026-08-01",
    "2026-11-01",
)
DPS_PREVIEW = (
    "2017-08-21-preview",
    "2020-09-01-preview",
    "2023-03-01-preview",
    "2025-02-01-preview",
    "2026-03-01-preview",
    "2026-06-01-preview",
)
DPS_VERSIONS = tuple(sorted(DPS_STABLE + DPS_PREVIEW))
# Top-level PUT body in 2017-11-15 .. 2021-10-15 [spec example 2017-11-15; rec 2021-10-15];
# properties shape from 2022-02-05 on [guess: the template reference says create/update with
# isVerified works "only on versions 2022-02-05 and later"].
DPS_LAST_FLAT_BODY_VERSION = "2021-10-15"
# DPS sends DateTime.MinValue as `created` in every recording, the oldest at 2021-10-15 [rec DPS];
# older versions keep a real time [guess].
DPS_FIRST_UNSET_CREATED_VERSION = "2021-10-15"

RESOURCES_VERSIONS = (
    "2015-11-01",
    "2016-02-01",
    "2016-06-01",
    "2016-07-01",
    "2016-09-01",
    "2017-05-10",
    "2018-02-01",
    "2018-05-01",
    "2019-03-01",
    "2019-05-01",
    "2019-05-10",
    "2019-06-01",
    "2019-07-01",
    "2019-08-01",
    "2019-10-01",
    "2019-11-01",
    "2020-01-01",
    "2020-06-01",
    "2020-08-01",
    "2020-10-01",
    "2021-01-01",
    "2021-04-01",
    "2022-09-01",
    "2022-12-01",
    "2023-07-01",
    "2024-03-01",
    "2024-07-01",
    "2024-11-01",
    "2025-03-01",
    "2025-04-01",
)

# Microsoft.Authorization's role API: the spec folders holding authorization-RoleDefinitionsCalls
# .json and authorization-RoleAssignmentsCalls.json (stable/2015-07-01, stable/2022-03-01,
# stable/2022-04-01, preview/2022-05-01-preview). azure-mgmt-authorization 5.0.0b2 (the az
# CLI's) sends 2022-05-01-preview for role definitions, 2022-04-01 for assignments [sdk]. Older
# body shapes are not emulated: every version answers 2022-04-01's [guess].
ROLE_API_VERSIONS = ("2015-07-01", "2022-03-01", "2022-04-01", "2022-05-01-preview")

# Locations printed in NoRegisteredProviderFound [guess: a representative subset].
SUPPORTED_LOCATIONS = (
    "westus",
    "eastus",
    "westeurope",
    "northeurope",
    "southeastasia",
    "australiaeast",
)


def uses_flat_body(api_version: str, last_flat_version: str) -> bool:
    """Whether a PUT at ``api_version`` carries the certificate at the top level."""
    return api_version[:10] <= last_flat_version
