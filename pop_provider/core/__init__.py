"""The one implementation both faces call: inputs and their checks, certificates and signers,
the proof of possession, the Azure calls, the lifecycle of a certificate on a target, and the
engine-neutral verbs (`verbs`) that the dynamic and the native provider only translate."""
