from django.utils.functional import SimpleLazyObject

from network import selectors


def inbox(request):
    """The unread count shown beside "Meldingen" in the header: only the notifications the
    user may still read (``selectors.notifications_for``). Counted when a template first
    uses it, so a page that wrote its header ahead with its own count ("My records",
    ``topbar.written_ahead``) does not count again."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user))}
