"""Writes to the lists and projects. Every change goes through these functions: views, the demo and
tests alike; each leaves a ProjectEvent."""

from huizhi.projects.services.common import ProjectError
from huizhi.projects.services.lists import need_close, need_record, resource_record, resource_update
from huizhi.projects.services.projects import (
    echo_wall_item,
    milestone_add,
    milestone_done,
    need_match,
    project_cancel,
    project_complete,
    project_create,
    project_from_decision,
    project_progress,
)

__all__ = [
    "ProjectError",
    "echo_wall_item",
    "milestone_add",
    "milestone_done",
    "need_close",
    "need_match",
    "need_record",
    "project_cancel",
    "project_complete",
    "project_create",
    "project_from_decision",
    "project_progress",
    "resource_record",
    "resource_update",
]
