// One CA on one IoT hub, Verified by proof of possession, through the typed SDK of the
// provider plugin pop (generated into sdks/pop by `pulumi package add`, README.md).
package main

import (
	"fmt"
	"os"

	"github.com/pop-provider/pop-provider/sdk/go/pop"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		certificatePath := cfg.Get("caCertificatePath")
		if certificatePath == "" {
			certificatePath = "ca.pem"
		}
		certificatePem, err := os.ReadFile(certificatePath)
		if err != nil {
			return fmt.Errorf("caCertificatePath: %w; put the CA's PEM certificate there or set caCertificatePath", err)
		}

		// Proof of possession (the default mode): the provider signs the hub's verification
		// code with the CA key, a secret from the stack config to the provider and in the state.
		rootCa, err := pop.NewVerifiedCaCertificate(ctx, "rootCa", &pop.VerifiedCaCertificateArgs{
			HubId:          pulumi.String(cfg.Require("hubId")),
			CertificatePem: pulumi.String(string(certificatePem)),
			PrivateKeyPem:  cfg.RequireSecret("caKey"),
		})
		if err != nil {
			return err
		}

		ctx.Export("armId", rootCa.ArmId)
		ctx.Export("certificateName", rootCa.CertificateName)
		ctx.Export("isVerified", rootCa.IsVerified)
		ctx.Export("daysUntilExpiry", rootCa.DaysUntilExpiry)
		return nil
	})
}
