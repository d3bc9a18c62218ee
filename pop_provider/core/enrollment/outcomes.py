"""What a DPS service API answer can mean that the verbs act on, rather than a person reads:
plain exceptions, so that a program importing the faces never loads azure-core for them."""

from __future__ import annotations


class GroupNotFound(Exception):
    """The group (or the DPS behind the service API) is not there: 404."""


class GroupEtagStale(Exception):
    """The etag sent with If-Match is not the group's any more: 412."""


class GroupTaken(Exception):
    """The group id is taken (a create found it): 409."""
