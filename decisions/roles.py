"""The three roles, as Django groups with model permissions.

Superusers change a person's role in the admin by moving them between groups.
"""

ARCHITECTS = "Architects"
REVIEWERS = "Reviewers"
VIEWERS = "Viewers"

_READ = ["view_decision", "view_flow", "view_service", "view_team", "view_comment"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    ARCHITECTS: _READ
    + ["add_decision", "change_decision", "decide_decision", "review_decision", "add_comment"]
    + ["add_flow", "change_flow", "add_service", "change_service", "add_team", "change_team"]
    + ["add_webhooksubscription", "change_webhooksubscription"],
    REVIEWERS: _READ + ["review_decision", "add_comment"],
    VIEWERS: _READ,
}


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and give each exactly its permissions. Safe to run again."""
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(
            permission_model.objects.filter(content_type__app_label="decisions", codename__in=codenames)
        )


def migrate_roles(apps, schema_editor) -> None:
    """For data migrations: bring the role groups up to date with ROLE_PERMISSIONS."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
