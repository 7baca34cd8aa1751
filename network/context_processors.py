from network import selectors


def inbox(request):
    """The unread count shown beside "Meldingen" in the header (one query per page): only
    the notifications the user may still read (``selectors.notifications_for``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count(user)}
