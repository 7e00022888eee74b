from django.utils.functional import SimpleLazyObject


def unread_notifications(request) -> dict:
    """The unread count for the navigation bar, queried only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": SimpleLazyObject(lambda: user.notifications.filter(read_at__isnull=True).count())}
