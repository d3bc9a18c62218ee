"""Paths of the admin API."""

from __future__ import annotations

from azure_iot_emulator.admin.responses import AdminResponses
from azure_iot_emulator.routing import Route

PREFIX = "/_emulator"


def routes(responses: AdminResponses) -> list[Route]:
    """Admin routes; their operation names are never logged."""
    return [
        Route("GET", PREFIX, "Admin_Info", responses.get_info),
        Route("GET", f"{PREFIX}/requests", "Admin_ListRequests", responses.list_requests),
        Route("DELETE", f"{PREFIX}/requests", "Admin_ClearRequests", responses.clear_requests),
        Route("GET", f"{PREFIX}/faults", "Admin_GetFaults", responses.get_faults),
        Route("PUT", f"{PREFIX}/faults", "Admin_SetFaults", responses.set_faults),
        Route("DELETE", f"{PREFIX}/faults", "Admin_ClearFaults", responses.clear_faults),
        Route(
            "POST", f"{PREFIX}/faults/scripted", "Admin_AddScriptedFailure", responses.add_scripted
        ),
        Route("POST", f"{PREFIX}/faults/holds", "Admin_AddHold", responses.add_hold),
        Route(
            "POST",
            f"{PREFIX}/faults/drops-after-apply",
            "Admin_AddDropAfterApply",
            responses.add_drop_after_apply,
        ),
        Route("GET", f"{PREFIX}/held", "Admin_WaitHeld", responses.wait_held),
        Route("POST", f"{PREFIX}/held/release", "Admin_ReleaseHeld", responses.release_held),
        Route("POST", f"{PREFIX}/reset", "Admin_Reset", responses.reset),
        Route("GET", f"{PREFIX}/throttle", "Admin_GetThrottle", responses.get_throttle),
        Route("PUT", f"{PREFIX}/throttle", "Admin_SetThrottle", responses.set_throttle),
        Route("DELETE", f"{PREFIX}/throttle", "Admin_ClearThrottle", responses.clear_throttle),
    ]
