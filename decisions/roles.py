"""The three roles, as Django groups with model permissions.

Superusers change a person's role in the admin by moving them between groups.
"""

ARCHITECTS = "Architects"
REVIEWERS = "Reviewers"
VIEWERS = "Viewers"

_READ = ["view_decision", "view_flow", "view_service", "view_team"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    ARCHITECTS: _READ
    + ["add_decision", "change_decision", "add_flow", "change_flow", "add_service", "change_service"]
    + ["add_team", "change_team"],
    REVIEWERS: _READ,
    VIEWERS: _READ,
}


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and give each exactly its permissions. Safe to run again."""
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(
            permission_model.objects.filter(content_type__app_label="decisions", codename__in=codenames)
        )
