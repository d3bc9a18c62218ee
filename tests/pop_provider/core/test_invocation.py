"""The CLI command a provider serves, as messages may name it: subcommand and config flags only."""

from __future__ import annotations

import os

from pop_provider.core.explain import saved_config_message
from pop_provider.core.invocation import PulumiCommand, current_command, parse_command


def test_only_the_subcommand_and_the_flags_that_choose_the_config_are_kept() -> None:
    argv = ["/opt/pulumi/bin/pulumi", "up", "--yes", "-r", "--config", "k=hunter2", "--stack", "s"]
    assert str(parse_command(argv)) == "pulumi up --refresh"
    assert str(parse_command(["pulumi", "refresh", "--run-program=true"])) == (
        "pulumi refresh --run-program"
    )
    assert str(parse_command(["pulumi", "update", "--refresh=false"])) == "pulumi up"


def test_a_process_that_is_not_the_cli_names_no_command() -> None:
    assert parse_command(["python3", "-m", "pytest", "up"]) is None
    assert parse_command(["pulumi", "stack", "ls"]) is None
    assert current_command(os.getpid()) is None  # pytest, its shell: no pulumi above


def test_a_refresh_without_the_program_says_which_config_and_the_whole_way_out() -> None:
    message = saved_config_message("cannot reach X", "read", PulumiCommand("up"))
    assert message.startswith(
        "`pulumi up` (its refresh) used the configuration recorded by the last deployment, not "
        "the program's current config: cannot reach X."
    )
    assert "run `pulumi up --refresh --run-program`" in message
    destroy = saved_config_message("cannot reach X", "delete", PulumiCommand("destroy"))
    assert destroy.startswith("`pulumi destroy` used the configuration recorded")
    assert "run `pulumi destroy --run-program`" in destroy
    unknown = saved_config_message("cannot reach X", "read", None)
    assert unknown.startswith("this refresh used the configuration recorded")


def test_a_command_that_ran_the_program_gets_the_failure_alone() -> None:
    ran = PulumiCommand("refresh", ("--run-program",))
    assert saved_config_message("cannot reach X", "read", ran) == "cannot reach X"
