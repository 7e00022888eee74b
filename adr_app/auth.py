"""Django's password backend, with a person's permissions read in one query instead of two."""

from django.contrib.auth import backends
from django.contrib.auth.models import Permission
from django.db.models import Q


class ModelBackend(backends.ModelBackend):
    """Every page asks what its viewer may do (the navigation, the actions): Django reads the
    person's own permissions and their groups' in two queries; this reads both in one. The set
    is kept on the user for the request, where the other backends (single sign-on) find it too."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            granted = Permission.objects.all()
            if not user_obj.is_superuser:
                granted = granted.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app}.{codename}" for app, codename in granted.values_list("content_type__app_label", "codename")
            }
        return user_obj._perm_cache
