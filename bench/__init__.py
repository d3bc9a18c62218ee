"""Benchmarks of the provider against the emulator with injected latency (`python -m bench`).

Not tests: nothing here asserts. Each module measures one thing and `__main__` prints the tables:
`stack_run` (a real `pulumi up` / no-change `up` / `destroy`), `floor` (the same ARM calls from a
plain azure-mgmt-iothub script with 4 threads), `proof_timing` (building one proof certificate per
key type), `memory` (peak RSS of the dynamic provider host), `environment` (emulator seed, CAs),
`team` (K stacks `up` at once on azblob:// state vs one stack), `profiling` (cProfile of the
program and the provider host, through the `profile_hook` folder put on PYTHONPATH), `faces` (the
same certificates through the dynamic face and the native one), `fleet` (N CAs on H hubs under
ARM's throttle, against `fleet_floor_script`).
"""
