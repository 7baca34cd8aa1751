from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """``?…&page=N`` keeping the page's other filters (search, status)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
