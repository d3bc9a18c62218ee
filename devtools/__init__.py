"""Developer tooling: the offline Pulumi toolchain glue, the demo and the benchmark helpers."""
