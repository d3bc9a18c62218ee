"""The reference text the schema carries: each resource's long description, with one example
per language, and the provider settings' descriptions (the properties' are declared with them,
in pop_provider.core.declaration). The SDK generators copy it into docstrings, so an IDE's hover
and `pulumi package get-schema` say what docs/ says.

Strings, not data files: this module ships inside the plugin, where a file would need bundling.

The long descriptions follow pulumi-command's `command.md`: Markdown with an
`{{% examples %}}` section holding `{{% example %}}` blocks, one fenced snippet per language
(`typescript`, `python`, `go`, `yaml`). Pulumi's codegen (`codegen.FilterExamples`) keeps, for each
SDK, only the fences of its own language and `sh`, anywhere in the text: so a command outside the
examples is fenced `sh`, and an example without a snippet for a language vanishes from that SDK.
Shortcodes start at the first column (the codegen's parser takes no indented shortcode). There
is no .NET or Java snippet: the package publishes no SDK for either.
"""

from __future__ import annotations

VERIFIED_CA_CERTIFICATE = """\
An X.509 CA certificate trusted by an Azure IoT hub or Device Provisioning Service (DPS) and
taken to Verified by proof of possession, so devices whose certificates chain to the CA can
connect or enroll.

On create the provider uploads the CA certificate, asks Azure for a verification code, signs a
short-lived proof certificate whose subject is that code with the CA's key, and submits it;
Azure marks the certificate Verified once the proof checks out. If Azure rejects the proof, the
upload is removed again, so a failed `up` leaves no unverified certificate behind; a run that
dies half way is resumed by the next `up`, which finds its certificate by name and thumbprint.
Every input is checked before any call to Azure: a leaf or expired certificate, a key that is
not the CA's, or a mode typo fails `preview` with zero ARM calls.

## Modes

- `proof` (the default): the provider signs the proof itself, with the CA key given as
  `privateKeyPem` (pass it as a secret; an encrypted key takes `privateKeyPassword`) or held in
  Azure Key Vault (`keyVaultUrl` and `keyVaultKeyName`), which signs the proof so that the key
  never leaves the vault.
- `offline`: for a root kept offline or in an HSM. The first `up` uploads the certificate and
  outputs `verificationCode`; the certificate waits, unverified. Where the key lives, the
  operator signs a certificate whose subject (CN) is that code and sets it as
  `proofCertificatePem`; the next `up` checks locally that the CA signed it, then verifies. If the
  code changed meanwhile, the run fails with the new code to sign.
- `auto`: the certificate is uploaded already marked Verified: Azure takes the uploader's word
  for it, and no proof is made.

`offline` and `auto` refuse a key, so stacks that do not need the CA key never hold it.

## One owner per CA per target

A hub or DPS trusts a CA once, and one resource owns that certificate: destroying or removing
the resource deletes the certificate. A second declaration of the same CA (or of the same
`certificateName`) on the same target is refused at check, before anything reaches Azure,
whatever the language of the program. Before uploading, the provider lists the target's
certificates and reserves the CA in the same step, so parallel creates never upload one CA
twice; a CA the target already trusts under another name is refused, saying who holds it as far
as the run can tell. To take over a certificate that is already there (uploaded by hand or with
`az`, or handed over by another stack after `pulumi state delete`), set `certificateName` to its
name: this resource then owns it.

## Drift and refresh

A refresh reads what Azure holds: a certificate deleted out of band leaves the state, one
unverified out of band (by a re-upload, say) is recorded with `isVerified` false. The next `up`
repairs it: a deleted certificate is uploaded and proven again, an unverified one is proven
again, and one swapped under its name is replaced. Set `options: refresh: always` in
`Pulumi.yaml` (or pass `--refresh`) so that every `preview` and `up` reads first; without it
`up` trusts the state, and `pulumi refresh` alone records drift without repairing it. A DPS
never returns a certificate's content, so there drift is judged by thumbprint.

Changing `certificatePem`, the target or `certificateName` replaces the certificate. A new CA
under a new generated name is created and Verified before the old certificate is deleted, so
trust never lapses; when only the CA or only the name changes on the same target, the old
certificate goes first (a target trusts a CA once).

## What a run costs in ARM calls

A refresh reads each target's list of certificates once per run, whatever the number of
certificates on it: 1,000 CAs on 40 hubs cost 40 list calls, not 1,000 reads. Expiry costs no
call: `daysUntilExpiry` is counted from the certificate the program holds.

| Run | ARM calls |
| --- | --- |
| no-change `preview` or `up` | 1 list per target |
| a new certificate | + 1 in `auto` mode (upload Verified), 3 in `proof` mode (upload, \
verification code, verify), 2 in `offline` mode (upload, verification code), then 2 (read, \
verify) on the `up` after `proofCertificatePem` is set |
| drift repaired | a deleted certificate: as a new one; an unverified one: + 3 in `proof` mode \
(read, verification code, verify) |
| `destroy` | 1 list per target (its etags serve the deletes), 1 delete per certificate |
| `pulumi import` | 1 read per certificate imported |

Throttled (429) and failed (5xx) calls are retried, waiting as long as `Retry-After` says: at
most 10 retries and 120 seconds per call.

## Import

A certificate already on a hub or DPS joins the stack without being uploaded or proven again,
by its ARM id (`.../Microsoft.Devices/IotHubs/<hub>/certificates/<certificate>`, or
`.../Microsoft.Devices/provisioningServices/<dps>/certificates/<certificate>`):

```sh
pulumi import pop:index:VerifiedCaCertificate <name> <certificate ARM id>
```

The code it prints declares the target, `certificateName`, `certificatePem` and
`mode: offline`, the one mode that needs no key and never self-attests. Add the key and set
`mode` to `proof` so that a later `up` can prove possession again by itself if the certificate
drifts. The imported resource is protected: remove `protect` before a `destroy` may delete it.

{{% examples %}}

## Example Usage

{{% example %}}

### A CA on one IoT hub, proven with a key from the stack's secrets

The CA key is a secret of the stack (`pulumi config set --secret caKey < ca.key`).

```typescript
import * as fs from "fs";
import * as pop from "@pop-provider/pop";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const rootCa = new pop.VerifiedCaCertificate("rootCa", {
    hubId: config.require("hubId"),
    certificatePem: fs.readFileSync("ca.pem", "utf8"),
    privateKeyPem: config.requireSecret("caKey"),
});

export const armId = rootCa.armId;
export const isVerified = rootCa.isVerified;
```

```python
import pulumi
import pulumi_pop as pop

config = pulumi.Config()
with open("ca.pem") as pem:
    certificate_pem = pem.read()

root_ca = pop.VerifiedCaCertificate(
    "rootCa",
    hub_id=config.require("hubId"),
    certificate_pem=certificate_pem,
    private_key_pem=config.require_secret("caKey"),
)

pulumi.export("armId", root_ca.arm_id)
pulumi.export("isVerified", root_ca.is_verified)
```

```go
package main

import (
	"os"

	"github.com/pop-provider/pop-provider/sdk/go/pop"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		certificatePem, err := os.ReadFile("ca.pem")
		if err != nil {
			return err
		}
		rootCa, err := pop.NewVerifiedCaCertificate(ctx, "rootCa", &pop.VerifiedCaCertificateArgs{
			HubId:          pulumi.String(cfg.Require("hubId")),
			CertificatePem: pulumi.String(string(certificatePem)),
			PrivateKeyPem:  cfg.RequireSecret("caKey"),
		})
		if err != nil {
			return err
		}
		ctx.Export("armId", rootCa.ArmId)
		ctx.Export("isVerified", rootCa.IsVerified)
		return nil
	})
}
```

```yaml
config:
  hubId:
    type: string
  caKey:
    type: string
    secret: true
resources:
  rootCa:
    type: pop:index:VerifiedCaCertificate
    properties:
      hubId: ${hubId}
      certificatePem:
        fn::readFile: ca.pem
      privateKeyPem: ${caKey}
outputs:
  armId: ${rootCa.armId}
  isVerified: ${rootCa.isVerified}
```

{{% /example %}}

{{% /examples %}}
"""

ENROLLMENT_GROUP = """\
A Device Provisioning Service (DPS) enrollment group bound to CA certificates Verified on that
DPS: devices whose certificate chains to the referenced CA are provisioned to the group's hubs.
Enrollment groups live on the DPS service API, not in ARM, so no ARM-based tool declares them.

`caReferencePrimary` (and `caReferenceSecondary`) name certificates on the same DPS. Pass a
VerifiedCaCertificate's `certificateName`: the group is then created after the CA is Verified,
and a rotation is three `up`s: add the successor CA and set it as `caReferenceSecondary`; swap
it to `caReferencePrimary`; remove the old CA.

## Checks before any call to Azure

Every input is judged in `preview` and in `up --skip-preview` alike, one line per failure: the
DPS (`dpsId`, or `dpsName` with `resourceGroupName`), the group id, an unknown
`allocationPolicy` or `provisioningStatus`, `static` with other than one hub, `custom` without
`customAllocationWebhookUrl` and `customAllocationApiVersion`. Then two checks that read ARM: a
reference that no VerifiedCaCertificate of the program declares on that DPS must name a
certificate the DPS holds Verified (one list of its certificates), and every `iotHubs` entry
must be the host name of a hub linked to the DPS (one read of the DPS). A value not known yet
at `preview` (an output of a resource being created) is checked at `up`.

## Access

The provider finds the DPS service API through ARM (the DPS's `serviceOperationsHostName`) and
signs in with the same credential as for ARM, a Microsoft Entra token for
`https://azure-devices-provisioning.net`: the principal needs a DPS data role on the DPS or
above (Device Provisioning Service Data Contributor, or the data actions
`Microsoft.Devices/provisioningServices/enrollmentGroups/read`, `write` and `delete`). To use a
shared-access policy's key instead, name the policy in the provider's `dpsSharedAccessPolicy`
setting; keys are never used otherwise.

## One owner per group, drift and updates

A create refuses a group id the DPS already has: one resource owns a group id on a DPS, and a
group made by hand is adopted with `pulumi import`, never taken over. Two resources declaring
one id on one DPS are refused at check. A change of the DPS or of `enrollmentGroupId` replaces
the group; any other change updates it in place with the recorded etag (`If-Match`): a group
changed by someone else since the last refresh is not overwritten unseen, and the run says so
(run `up --refresh`). A refresh reads the group: one deleted out of band leaves the state and
the next `up` creates it again; one disabled or re-pointed out of band is set back by the next
`up`. Deleting a group that is already gone succeeds.

## Import

By its id, the DPS's ARM id (`.../Microsoft.Devices/provisioningServices/<dps>`) followed by
`/enrollmentGroups/<enrollmentGroupId>`:

```sh
pulumi import pop:index:EnrollmentGroup <name> <DPS ARM id>/enrollmentGroups/<enrollmentGroupId>
```

The code it prints declares the DPS, the group id, its CA references and every setting that
differs from the defaults. Only groups bound to CA certificates by name are imported.

{{% examples %}}

## Example Usage

{{% example %}}

### A root CA on a DPS and the group of its devices

```typescript
import * as fs from "fs";
import * as pop from "@pop-provider/pop";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const dpsId = config.require("dpsId");

const rootCa = new pop.VerifiedCaCertificate("rootCa", {
    dpsId: dpsId,
    certificatePem: fs.readFileSync("ca.pem", "utf8"),
    privateKeyPem: config.requireSecret("caKey"),
});

const fleet = new pop.EnrollmentGroup("fleet", {
    dpsId: dpsId,
    enrollmentGroupId: "fleet-2026",
    caReferencePrimary: rootCa.certificateName,
    allocationPolicy: "static",
    iotHubs: [config.require("hubHostName")],
});

export const groupEtag = fleet.etag;
```

```python
from pathlib import Path

import pulumi
import pulumi_pop as pop

config = pulumi.Config()
dps_id = config.require("dpsId")
root_ca = pop.VerifiedCaCertificate(
    "rootCa",
    dps_id=dps_id,
    certificate_pem=Path("ca.pem").read_text(),
    private_key_pem=config.require_secret("caKey"),
)
fleet = pop.EnrollmentGroup(
    "fleet",
    dps_id=dps_id,
    enrollment_group_id="fleet-2026",
    ca_reference_primary=root_ca.certificate_name,
    allocation_policy="static",
    iot_hubs=[config.require("hubHostName")],
)
pulumi.export("groupEtag", fleet.etag)
```

```go
package main

import (
	"os"

	"github.com/pop-provider/pop-provider/sdk/go/pop"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		dpsId := pulumi.String(cfg.Require("dpsId"))
		certificatePem, err := os.ReadFile("ca.pem")
		if err != nil {
			return err
		}
		rootCa, err := pop.NewVerifiedCaCertificate(ctx, "rootCa", &pop.VerifiedCaCertificateArgs{
			DpsId:          dpsId,
			CertificatePem: pulumi.String(string(certificatePem)),
			PrivateKeyPem:  cfg.RequireSecret("caKey"),
		})
		if err != nil {
			return err
		}
		fleet, err := pop.NewEnrollmentGroup(ctx, "fleet", &pop.EnrollmentGroupArgs{
			DpsId:              dpsId,
			EnrollmentGroupId:  pulumi.String("fleet-2026"),
			CaReferencePrimary: rootCa.CertificateName,
			AllocationPolicy:   pop.AllocationPolicyStatic,
			IotHubs:            pulumi.StringArray{pulumi.String(cfg.Require("hubHostName"))},
		})
		if err != nil {
			return err
		}
		ctx.Export("groupEtag", fleet.Etag)
		return nil
	})
}
```

```yaml
config:
  dpsId: {type: string}
  hubHostName: {type: string}
  caKey: {type: string, secret: true}
resources:
  rootCa:
    type: pop:index:VerifiedCaCertificate
    properties:
      dpsId: ${dpsId}
      certificatePem:
        fn::readFile: ca.pem
      privateKeyPem: ${caKey}
  fleet:
    type: pop:index:EnrollmentGroup
    properties:
      dpsId: ${dpsId}
      enrollmentGroupId: fleet-2026
      caReferencePrimary: ${rootCa.certificateName}
      allocationPolicy: static
      iotHubs: ["${hubHostName}"]
outputs:
  groupEtag: ${fleet.etag}
```

{{% /example %}}

{{% /examples %}}
"""

TRUSTED_CA = """\
One CA trusted and Verified on many IoT hubs and DPS instances: a component with one
`VerifiedCaCertificate` child per entry of `targets`, named `<component>-<label>`, each with
its own upload, verification code and proof.

A target's label is its `name`, or by default the hub's or DPS's name; a target given by an id
the program does not know yet (an azure-native hub's `id`, say) needs a `name`, and labels must
be distinct. The CA and how it is proven (`certificatePem`, `mode`, `privateKeyPem` or the Key
Vault key, `expiryWarningDays`) are shared by every child; each target names its hub or DPS and
may set its own `subscriptionId` and `certificateName`. The key reaches every child as a secret.

Each child is a `VerifiedCaCertificate` in every respect: the three modes, one owner per CA per
target (two targets on the same hub are refused), drift repaired by the next `up` after a
refresh, and the cost of a run (one list of certificates per target). Adding a target creates
its child; removing one deletes only that target's certificate. The output `armIds` maps each
label to the ARM id of its certificate.

{{% examples %}}

## Example Usage

{{% example %}}

### A CA on a hub by its id and on a DPS by its name

The children are `fleetRoot-west` and `fleetRoot-dps-fleet`.

```typescript
import * as fs from "fs";
import * as pop from "@pop-provider/pop";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const fleetRoot = new pop.TrustedCa("fleetRoot", {
    certificatePem: fs.readFileSync("ca.pem", "utf8"),
    privateKeyPem: config.requireSecret("caKey"),
    targets: [
        { hubId: config.require("westHubId"), name: "west" },
        { resourceGroupName: "rg-fleet", dpsName: "dps-fleet" },
    ],
});

export const armIds = fleetRoot.armIds;
```

```python
import pulumi
import pulumi_pop as pop

config = pulumi.Config()
with open("ca.pem") as pem:
    certificate_pem = pem.read()

fleet_root = pop.TrustedCa(
    "fleetRoot",
    certificate_pem=certificate_pem,
    private_key_pem=config.require_secret("caKey"),
    targets=[
        pop.CaTargetArgs(hub_id=config.require("westHubId"), name="west"),
        pop.CaTargetArgs(resource_group_name="rg-fleet", dps_name="dps-fleet"),
    ],
)

pulumi.export("armIds", fleet_root.arm_ids)
```

```go
package main

import (
	"os"

	"github.com/pop-provider/pop-provider/sdk/go/pop"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		certificatePem, err := os.ReadFile("ca.pem")
		if err != nil {
			return err
		}
		fleetRoot, err := pop.NewTrustedCa(ctx, "fleetRoot", &pop.TrustedCaArgs{
			CertificatePem: pulumi.String(string(certificatePem)),
			PrivateKeyPem:  cfg.RequireSecret("caKey"),
			Targets: pop.CaTargetArray{
				pop.CaTargetArgs{
					HubId: pulumi.String(cfg.Require("westHubId")),
					Name:  pulumi.String("west"),
				},
				pop.CaTargetArgs{
					ResourceGroupName: pulumi.String("rg-fleet"),
					DpsName:           pulumi.String("dps-fleet"),
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("armIds", fleetRoot.ArmIds)
		return nil
	})
}
```

```yaml
config:
  westHubId:
    type: string
  caKey:
    type: string
    secret: true
resources:
  fleetRoot:
    type: pop:index:TrustedCa
    properties:
      certificatePem:
        fn::readFile: ca.pem
      privateKeyPem: ${caKey}
      targets:
        - hubId: ${westHubId}
          name: west
        - resourceGroupName: rg-fleet
          dpsName: dps-fleet
outputs:
  armIds: ${fleetRoot.armIds}
```

{{% /example %}}

{{% /examples %}}
"""

CA_TARGET = (
    "A hub or DPS to trust the CA on, one entry of a TrustedCa's `targets`: by ARM id "
    "(`hubId` or `dpsId`) or by resource group and name (`resourceGroupName` with `hubName` or "
    "`dpsName`, in `subscriptionId` or the provider's default subscription). `name` labels its "
    "VerifiedCaCertificate child (`<component>-<name>`); `certificateName` names the certificate "
    "on the target, or adopts one that is already there."
)

# Plain prose, no Markdown: the generators also copy it into package.json and pyproject.toml.
PACKAGE = (
    "X.509 CA certificates on Azure IoT Hub and Device Provisioning Service (DPS), taken to "
    "Verified by proof of possession: the provider uploads the CA, signs the verification code "
    "Azure issues with the CA's key (a key given as a secret, a Key Vault key, or a proof the "
    "operator signs offline) and verifies it, then keeps it Verified across drift. "
    "VerifiedCaCertificate trusts one CA on one hub or DPS; TrustedCa trusts one CA on many. "
    "It signs in to Azure with azure-identity: a service principal, OIDC federation, a managed "
    "identity or the Azure CLI login."
)


# The provider's settings (`pop:<name>`), each with the environment variables it falls back to.
# (The resources' properties are described where they are declared: pop_provider.core.declaration.)
CONFIG: dict[str, str] = {
    "armEndpoint": (
        "Azure Resource Manager endpoint, for a private endpoint or an emulator; by default the"
        " one of `environment`. Falls back to the `POP_ARM_ENDPOINT` environment variable."
    ),
    "authorityHost": (
        "Microsoft Entra authority host to sign in with; by default the one of `environment`. "
        "Falls back to the `AZURE_AUTHORITY_HOST` environment variable."
    ),
    "caBundle": (
        "Path of a PEM bundle of CAs to trust for TLS to Azure (an emulator, a TLS-inspecting "
        "proxy); TLS is always verified. Falls back to the `POP_CA_BUNDLE` environment "
        "variable."
    ),
    "environment": (
        "Azure cloud: `public` (the default), `usgovernment` or `china`; sets the Resource "
        "Manager endpoint and authority host. Falls back to the `ARM_ENVIRONMENT` environment "
        "variable."
    ),
    "subscriptionId": (
        "Default subscription of targets named by resource group and name. Falls back to the "
        "`AZURE_SUBSCRIPTION_ID`, then `ARM_SUBSCRIPTION_ID` environment variable."
    ),
    "tenantId": (
        "Microsoft Entra tenant of the service principal or federated identity. Falls back to "
        "the `AZURE_TENANT_ID`, then `ARM_TENANT_ID` environment variable."
    ),
    "clientId": (
        "Client (application) id of the service principal, federated or managed identity. Falls"
        " back to the `AZURE_CLIENT_ID`, then `ARM_CLIENT_ID` environment variable."
    ),
    "clientSecret": (
        "Client secret of the service principal; without one, the provider signs in with a "
        "federated token or `DefaultAzureCredential` (managed identity, Azure CLI login). Falls"
        " back to the `AZURE_CLIENT_SECRET`, then `ARM_CLIENT_SECRET` environment variable."
    ),
    "useOidc": (
        "Sign in by exchanging a pipeline's OIDC token (from `oidcToken`, `oidcTokenFilePath`, "
        "or `oidcRequestUrl` with `oidcRequestToken`), no secret; needs `tenantId` and "
        "`clientId`. Falls back to the `ARM_USE_OIDC` environment variable."
    ),
    "oidcToken": (
        "With `useOidc`: the OIDC token itself. Falls back to the `ARM_OIDC_TOKEN` environment "
        "variable."
    ),
    "oidcTokenFilePath": (
        "With `useOidc`: a file holding the OIDC token. Falls back to the "
        "`ARM_OIDC_TOKEN_FILE_PATH` environment variable; `AZURE_FEDERATED_TOKEN_FILE` "
        "(Kubernetes workload identity) is used even without `useOidc`."
    ),
    "oidcRequestUrl": (
        "With `useOidc`: the URL to request an OIDC token from (a CI's token endpoint). Falls "
        "back to the `ARM_OIDC_REQUEST_URL`, then `ACTIONS_ID_TOKEN_REQUEST_URL` (GitHub "
        "Actions) environment variable."
    ),
    "oidcRequestToken": (
        "With `useOidc`: the bearer token for `oidcRequestUrl`. Falls back to the "
        "`ARM_OIDC_REQUEST_TOKEN`, then `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (GitHub Actions) "
        "environment variable."
    ),
    "dpsSharedAccessPolicy": (
        "EnrollmentGroup only: sign in to the DPS service API with this shared-access policy's "
        "key (e.g. `provisioningserviceowner`, fetched through ARM `listKeys`, which needs "
        "`Microsoft.Devices/provisioningServices/keys/listkeys/Action`) instead of a Microsoft "
        "Entra token with a DPS data role. Unset by default: keys are used only when named "
        "here. Falls back to the `POP_DPS_SHARED_ACCESS_POLICY` environment variable."
    ),
}
