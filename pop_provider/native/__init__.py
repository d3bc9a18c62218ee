"""The native face: the provider plugin `pop` (executable `pulumi-resource-pop`), serving
`pop:index:VerifiedCaCertificate` and `pop:index:TrustedCa` to programs in any Pulumi language
(YAML, TypeScript, Go, Python, ...) and to `pulumi import`. It translates the gRPC provider
protocol and Pulumi's camelCase names to the core's verbs (pop_provider.core.verbs)."""
