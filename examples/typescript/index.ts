import * as fs from "fs";

import * as pop from "@pop-provider/pop";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const certificatePath = config.get("caCertificatePath") ?? "ca.pem";

// A RunError is printed as its message alone: one line naming the file and the fix, no stack.
function readCertificate(path: string): string {
    try {
        return fs.readFileSync(path, "utf8");
    } catch (error) {
        throw new pulumi.RunError(
            `caCertificatePath: cannot read '${path}' (${(error as Error).message}); ` +
                "put the CA's PEM certificate there or set caCertificatePath",
        );
    }
}

// Proof of possession (the default mode): the provider signs the hub's verification code with
// the CA key, a secret from the stack config to the provider and in the state.
const rootCa = new pop.VerifiedCaCertificate("rootCa", {
    hubId: config.require("hubId"),
    certificatePem: readCertificate(certificatePath),
    privateKeyPem: config.requireSecret("caKey"),
});

export const armId = rootCa.armId;
export const certificateName = rootCa.certificateName;
export const isVerified = rootCa.isVerified;
export const daysUntilExpiry = rootCa.daysUntilExpiry;
