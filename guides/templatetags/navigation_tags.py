from django import template
from wagtail.models import Site

register = template.Library()


def _site_root(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return site.root_page if site else None


@register.inclusion_tag("includes/menu.html", takes_context=True)
def main_menu(context):
    """The sections editors mark "show in menus", directly under the site's home page."""
    root = _site_root(context)
    items = list(root.get_children().live().public().in_menu()) if root else []
    current = context.get("page")
    for item in items:
        item.is_current = current is not None and current.pk == item.pk
        item.is_ancestor = current is not None and current.path.startswith(item.path)
    return {"items": items}


@register.inclusion_tag("includes/footer_links.html", takes_context=True)
def footer_links(context):
    from guides.models import StandardPage

    root = _site_root(context)
    pages = (
        StandardPage.objects.child_of(root).live().public().filter(show_in_footer=True)
        if root
        else StandardPage.objects.none()
    )
    return {"pages": pages, "settings": context.get("settings")}


@register.inclusion_tag("includes/breadcrumb.html", takes_context=True)
def breadcrumb(context, page):
    """“You Are Here”: the page's ancestors from the site's home page down."""
    root = _site_root(context)
    if page is None or root is None or page.depth <= root.depth:
        return {"trail": []}
    ancestors = list(page.get_ancestors().filter(depth__gte=root.depth))
    return {"trail": [*ancestors, page]}
