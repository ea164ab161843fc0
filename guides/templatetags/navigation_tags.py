from django import template
from wagtail.models import Site

from guides import navigation
from guides.models import StandardPage

register = template.Library()


def site_root(request):
    site = Site.find_for_request(request) if request else None
    return site.root_page if site else None


def breadcrumb_trail(request, page):
    """The page's ancestors from the site's home page down, ending with the page itself.

    Empty for the home page and for anything outside the site. Kept on the page so
    the visible breadcrumb and its structured data share one query.
    """
    if page is None or not getattr(page, "pk", None):
        return []
    if not hasattr(page, "_breadcrumb_trail"):
        root = site_root(request)
        if root is None or page.depth <= root.depth or not page.path.startswith(root.path):
            page._breadcrumb_trail = []
        else:
            page._breadcrumb_trail = [*navigation.ancestors(request, page, root.depth), page]
    return page._breadcrumb_trail


@register.inclusion_tag("includes/menu.html", takes_context=True)
def main_menu(context):
    """The sections editors mark "show in menus", directly under the site's home page."""
    request = context.get("request")
    root = site_root(request)
    current = context.get("page")
    current_path = getattr(current, "path", None) or ""
    items = [
        {
            **item,
            "is_current": current is not None and getattr(current, "pk", None) == item["pk"],
            "is_ancestor": current_path.startswith(item["path"]),
        }
        for item in (navigation.menu_items(request, root) if root else [])
    ]
    return {"items": items}


@register.inclusion_tag("includes/footer_links.html", takes_context=True)
def footer_links(context):
    """The disclosure page, then the home page's live children marked "show in footer"."""
    request = context.get("request")
    root = site_root(request)
    if root is None:
        return {"pages": []}
    return {
        "pages": navigation.footer_links(
            request,
            lambda: StandardPage.objects.child_of(root).live().filter(show_in_footer=True),
        )
    }


@register.inclusion_tag("includes/breadcrumb.html", takes_context=True)
def breadcrumb(context, page):
    """“You Are Here”: the page's ancestors from the site's home page down."""
    request = context.get("request")
    # The request goes along so that {% pageurl %} reuses the site's root paths it holds.
    return {"trail": breadcrumb_trail(request, page), "request": request}
