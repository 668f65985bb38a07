"""Authorisation as data: docs/domain.md §4's roles × operations × field groups, and the decisions from it."""

from shared.access.decide import UNKNOWN, Reach, Rights, relation, roles_of
from shared.access.fields import COMMAND_GROUPS, command_group, group_of_event
from shared.access.model import FieldGroup, Grant, Operation, Relation, Scope
from shared.access.table import APPROVERS, BREAK_GLASS, OPERATIONS_ROLES, OVERSIGHT_ROLES, TABLE

__all__ = [
    "APPROVERS",
    "BREAK_GLASS",
    "COMMAND_GROUPS",
    "OPERATIONS_ROLES",
    "OVERSIGHT_ROLES",
    "TABLE",
    "UNKNOWN",
    "FieldGroup",
    "Grant",
    "Operation",
    "Reach",
    "Relation",
    "Rights",
    "Scope",
    "command_group",
    "group_of_event",
    "relation",
    "roles_of",
]
