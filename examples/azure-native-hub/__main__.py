"""An IoT hub and a DPS made with pulumi-azure-native, each trusting the fleet's root CA, Verified.

azure-native creates the resource group, the hub and the DPS (linked to the hub); pop-provider
takes each one's ARM id (`IotHubResource.id`, `IotDpsResource.id`) and brings the root CA to
Verified on it by proof of possession, after the hub or DPS exists.

Stack config:
    azure-native:location: westeurope
    rootCertificateFile: certs/root.pem
    rootKey: (secret) the root's PEM private key:
        pulumi config set --secret rootKey < certs/root.key
    namePrefix: fleet        (optional; hub and DPS names are <namePrefix>-hub-<suffix>, ...)
"""

import pulumi
import pulumi_azure_native as azure_native

from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs, read_pem

config = pulumi.Config()
prefix = config.get("namePrefix") or "fleet"
location = pulumi.Config("azure-native").require("location")
# Relative to this project; a missing file fails in one line naming it, not with a traceback.
root_pem = read_pem(config.require("rootCertificateFile"))
root_key = config.require_secret("rootKey")

group = azure_native.resources.ResourceGroup(f"{prefix}-rg", location=location)

hub = azure_native.iothub.IotHubResource(
    f"{prefix}-hub",
    resource_group_name=group.name,
    location=location,
    sku=azure_native.iothub.IotHubSkuInfoArgs(name="S1", capacity=1),
)

# DPS assigns devices to the hub through the hub's owner connection string.
owner_key = azure_native.iothub.list_iot_hub_resource_keys_for_key_name_output(
    resource_group_name=group.name, resource_name=hub.name, key_name="iothubowner"
)
dps = azure_native.deviceprovisioningservices.IotDpsResource(
    f"{prefix}-dps",
    resource_group_name=group.name,
    location=location,
    sku=azure_native.deviceprovisioningservices.IotDpsSkuInfoArgs(name="S1", capacity=1),
    properties=azure_native.deviceprovisioningservices.IotDpsPropertiesDescriptionArgs(
        iot_hubs=[
            azure_native.deviceprovisioningservices.IotHubDefinitionDescriptionArgs(
                connection_string=pulumi.Output.secret(
                    pulumi.Output.format(
                        "HostName={0}.azure-devices.net;SharedAccessKeyName=iothubowner;"
                        "SharedAccessKey={1}",
                        hub.name,
                        owner_key.primary_key,
                    )
                ),
                location=location,
            )
        ]
    ),
)

root_on_hub = VerifiedCaCertificate(
    "fleet-root",
    VerifiedCaCertificateArgs(
        hub_id=hub.id, certificate_pem=root_pem, mode="proof", private_key_pem=root_key
    ),
)
root_on_dps = VerifiedCaCertificate(
    "fleet-root-dps",
    VerifiedCaCertificateArgs(
        dps_id=dps.id, certificate_pem=root_pem, mode="proof", private_key_pem=root_key
    ),
)

pulumi.export("hub_name", hub.name)
pulumi.export("dps_name", dps.name)
pulumi.export("hub_certificate", root_on_hub.certificate_name)
pulumi.export("dps_certificate", root_on_dps.certificate_name)
pulumi.export("verified", pulumi.Output.all(root_on_hub.is_verified, root_on_dps.is_verified))
