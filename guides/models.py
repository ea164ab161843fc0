"""The page types readers browse: Home › sections › guides."""

import functools
import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import Truncator
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index

from affiliates.page_content import AffiliateContentMixin

from . import navigation, seo
from .blocks import GuideBodyBlock, question_sections
from .feeds import LatestGuidesFeed

INTRO_FEATURES = ["bold", "italic", "link", "affiliate-link"]
GUIDES_PER_PAGE = 10
#: An adult's silent reading speed for non-fiction, in words a minute.
WORDS_PER_MINUTE = 230
_TAG = re.compile(r"<[^>]*>")


def with_pictures(pages, field="image"):
    """``pages`` with their pictures and the pictures' renditions in two queries in all,
    rather than two for each card that shows one."""
    return pages.select_related(field).prefetch_related(f"{field}__renditions")


def paginate(request, items, per_page):
    """The requested page of items; out-of-range or junk page numbers never error."""
    paginator = Paginator(items, per_page)
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        number_is_low = number.lstrip("-").isdigit() and int(number) < 1
        return paginator.page(1 if number_is_low else paginator.num_pages)


SOCIAL_CARD_TOO_SMALL = (
    "This image is %s pixels: social sites need at least 1200×630 for a large card. "
    "Choose a larger image, or leave this empty to use the page's own image or the "
    "site's default."
)


def image_size(image):
    return f"{image.width}×{image.height}"


@register_setting(icon="globe")
class SearchAndSharingSettings(BaseSiteSetting):
    """How the site presents itself to search engines and when shared on social media."""

    organisation_name = models.CharField(
        max_length=120, default="Career Compass", help_text="Publisher of the guides."
    )
    default_author = models.CharField(
        max_length=120,
        default="The Career Compass team",
        help_text="Author named on guides in search results.",
    )
    default_social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when a page without its own social image is shared.",
    )
    twitter_handle = models.CharField(
        max_length=40, blank=True, help_text="The site's X/Twitter account, e.g. @careercompass."
    )

    class Meta:
        verbose_name = "Search and sharing"

    def clean(self):
        super().clean()
        image = self.default_social_image
        if image is not None and not seo.is_big_enough_for_a_social_card(image):
            raise ValidationError(
                {"default_social_image": SOCIAL_CARD_TOO_SMALL % image_size(image)}
            )


class Person(index.Indexed, ClusterableModel):
    """Someone who writes or checks guides, with what makes their advice worth reading."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text="The end of their page's address: /authors/<slug>/.",
    )
    role = models.CharField(
        max_length=120, blank=True, help_text="What they do, e.g. “Careers adviser”."
    )
    bio = models.TextField(
        blank=True, max_length=600, help_text="A few sentences about them, shown on their page."
    )
    credentials = models.TextField(
        "credentials and experience",
        blank=True,
        max_length=600,
        help_text="Qualifications and experience that make their advice worth reading.",
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A portrait; square crops are taken around the image's focal point.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("role"),
        FieldPanel("photo"),
        FieldPanel("bio"),
        FieldPanel("credentials"),
        InlinePanel("profile_links", label="Profiles elsewhere", max_num=6),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("person", kwargs={"slug": self.slug})


class PersonProfileLink(Orderable):
    person = ParentalKey(Person, on_delete=models.CASCADE, related_name="profile_links")
    label = models.CharField(max_length=60, help_text="Where it is, e.g. “LinkedIn”.")
    url = models.URLField("address")

    panels = [FieldPanel("label"), FieldPanel("url")]


class BasePage(Page):
    """Fields every reader-facing page shares: listing summary, footer placement, SEO."""

    summary = models.TextField(
        blank=True,
        max_length=300,
        help_text="One or two sentences for listings and search results.",
    )
    show_in_footer = models.BooleanField(
        default=False, help_text="List this page in the footer of every page."
    )
    social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when the page is shared on social media: at least 1200×630. "
        "Leave blank to use the page's own image (if large enough), else the site's default.",
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown at the top of the page and on the cards that link to it (16:9 "
        "crops around the image's focal point; 1600×900 or larger works best).",
    )
    noindex = models.BooleanField(
        "hide from search engines",
        default=False,
        help_text="Ask search engines not to list this page, and leave it out of the sitemap.",
    )

    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title"),
                FieldPanel("search_description", heading="Meta description"),
                FieldPanel("social_image"),
                FieldPanel("noindex"),
            ],
            "For search engines and sharing",
        ),
        MultiFieldPanel(
            [FieldPanel("show_in_menus"), FieldPanel("show_in_footer"), FieldPanel("summary")],
            "Menus and listings",
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    # Query parameters the page's content depends on; the page cache ignores the rest.
    page_cache_query_parameters = ()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        image = self.social_image
        if image is not None and not seo.is_big_enough_for_a_social_card(image):
            raise ValidationError({"social_image": SOCIAL_CARD_TOO_SMALL % image_size(image)})

    @property
    def meta_description(self):
        """The editor's meta description, else the summary, else the start of the intro."""
        text = self.search_description or self.summary or strip_tags(getattr(self, "intro", ""))
        return Truncator(" ".join(text.split())).chars(160)

    def get_sitemap_urls(self, request=None):
        return [] if self.noindex else super().get_sitemap_urls(request)

    def get_view_restrictions(self):
        # Wagtail's check before serving a page asks the database twice on every view.
        # Most sites have no restriction at all, which one cached answer tells.
        if not navigation.any_restrictions():
            none = PageViewRestriction.objects.none()
            # Already known to be empty: Wagtail iterating it then costs nothing, where
            # an empty queryset still builds its SQL before finding it needs none.
            none._result_cache = []
            return none
        return super().get_view_restrictions()


class HomePage(AffiliateContentMixin, BasePage):
    """The front page: a welcome, featured guides editors pick, and every section."""

    intro = RichTextField(features=INTRO_FEATURES, blank=True)

    affiliate_content_fields = ("intro",)
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("image", heading="Hero image"),
        InlinePanel("featured_guides", label="Featured guides", max_num=6),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["guides.SectionPage", "guides.StandardPage", "affiliates.DisclosurePage"]
    max_count = 1

    def route(self, request, path_components):
        # Find the page a URL names with one lookup by its stored path, rather than
        # Wagtail's walk down the tree (two queries per level). Anything else, such as
        # a section's feed/ route, takes Wagtail's usual way.
        if path_components:
            url_path = f"{self.url_path}{'/'.join(path_components)}/"
            target = _page_at(request, url_path)
            if target is not None and target.path.startswith(self.path):
                return target.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured"] = [
            item.guide
            for item in with_pictures(self.featured_guides.all(), "guide__image")
            if item.guide.live and navigation.is_public(request, item.guide)
        ]
        context["sections"] = with_pictures(
            navigation.public(request, SectionPage.objects.child_of(self).live())
        )
        return context


def _page_at(request, url_path):
    """The live page at ``url_path``, as its own class.

    The page the same address led to last time is asked for directly, as its own
    class, in one query; otherwise (or if it has moved or gone) the page is found
    by its address, then its own class is loaded.
    """
    hint = navigation.route_hint(request)
    if hint is not None:
        model = ContentType.objects.get_for_id(hint[0]).model_class()
        if model is not None and issubclass(model, Page):
            found = _live_page(model, hint[1], url_path)
            if found is not None:
                return found
    found = Page.objects.filter(url_path=url_path, live=True).first()
    if found is None:
        return None
    found = found.specific
    navigation.remember_route(request, found)
    return found


def _live_page(model, pk, url_path):
    """``model.objects.filter(pk=pk, url_path=url_path, live=True).first()``, from SQL
    compiled once per model: compiling it cost more than half of the query's time, on
    every render the page cache does not answer."""
    sql = _live_page_sql(model)
    if sql is None:
        return model.objects.filter(pk=pk, url_path=url_path, live=True).first()
    return next(iter(model.objects.raw(sql, [pk, url_path])), None)


@functools.cache
def _live_page_sql(model):
    query = model.objects.filter(pk=0, url_path="", live=True)[:1].query
    sql, params = query.sql_with_params()
    # The two values must be the query's only parameters, in this order, for the SQL to
    # be reused with others; if a Django version compiles it otherwise, don't reuse it.
    return sql if list(params) == [0, ""] else None


class FeaturedGuide(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_guides")
    guide = models.ForeignKey("guides.GuidePage", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("guide")]


class SectionPage(AffiliateContentMixin, RoutablePageMixin, BasePage):
    """A topic, such as “Preparing for a Job Interview”, that lists its guides."""

    intro = RichTextField(features=INTRO_FEATURES, blank=True)

    affiliate_content_fields = ("intro",)
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("image")]
    search_fields = [*BasePage.search_fields, index.SearchField("intro")]

    parent_page_types = ["guides.HomePage", "guides.SectionPage"]
    subpage_types = ["guides.GuidePage", "guides.SectionPage"]
    page_cache_query_parameters = ("page",)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        guides = (
            navigation.public(request, GuidePage.objects.child_of(self).live())
            .order_by("-first_published_at", "-pk")
            .only("title", "url_path", "summary", "first_published_at", "depth", "path", "image")
        )
        context["guides"] = paginate(request, with_pictures(guides), GUIDES_PER_PAGE)
        context["subsections"] = with_pictures(
            navigation.public(request, SectionPage.objects.child_of(self).live())
        )
        return context

    @path("feed/")
    def feed(self, request):
        """RSS feed of this section's newest guides."""
        return LatestGuidesFeed(GuidePage.objects.all(), section=self)(request)


def _texts_in(raw):
    """The strings in StreamField raw data, from block values only (not types or ids)."""
    if isinstance(raw, str):
        yield raw
    elif isinstance(raw, list):
        for item in raw:
            yield from _texts_in(item)
    elif isinstance(raw, dict):
        if "type" in raw and "value" in raw:
            yield from _texts_in(raw["value"])
        else:
            for value in raw.values():
                yield from _texts_in(value)


def _published_timestamp(page):
    return page.first_published_at.timestamp() if page.first_published_at else 0


class GuidePage(AffiliateContentMixin, BasePage):
    """A guide answering readers' questions: intro, question sections, closing."""

    intro = RichTextField(
        features=INTRO_FEATURES, help_text="Why this guide matters to the reader."
    )
    body = StreamField(GuideBodyBlock(), blank=True)
    closing = RichTextField(
        features=INTRO_FEATURES, blank=True, help_text="A closing thought or next step."
    )
    last_reviewed = models.DateField(
        null=True, blank=True, help_text="When an editor last checked the advice was current."
    )
    reviewer = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An expert who checked the advice, named in the byline.",
    )

    affiliate_content_fields = ("intro", "body", "closing")
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("closing"),
        MultiFieldPanel(
            [
                InlinePanel("authors", label="Author", min_num=0, max_num=4),
                FieldPanel("reviewer"),
                FieldPanel("last_reviewed"),
            ],
            "Who wrote and checked it",
        ),
        InlinePanel(
            "related_guides",
            label="Related guides",
            help_text="Leave empty to show other guides from the same section.",
            max_num=4,
        ),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("closing"),
    ]

    parent_page_types = ["guides.SectionPage"]
    subpage_types = []

    @cached_property
    def reading_minutes(self):
        """How long the guide takes to read, in whole minutes (at least one)."""
        texts = [self.intro, self.closing, *_texts_in(list(self.body.raw_data))]
        # A tag-stripping pattern, not strip_tags(): this runs on every render, and a
        # word count needs no HTML parser (strip_tags cost ten times as much).
        words = sum(len(_TAG.sub(" ", text or "").split()) for text in texts)
        return max(1, round(words / WORDS_PER_MINUTE))

    @property
    def question_sections(self):
        return question_sections(self.body)

    def section_guides(self, request):
        """The live, public guides in this guide's section, in menu (tree) order."""
        return list(
            navigation.public(request, GuidePage.objects.sibling_of(self).live())
            .order_by("path")
            .only("title", "url_path", "path", "depth", "summary", "first_published_at")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The page's own fields are in the key too, not only its content: the heading,
        # byline dates and sharing tags are reused with it, and a script may fix a title
        # without publishing.
        context["content_fragment"] = navigation.content_fragment(
            request,
            self,
            self.intro,
            self.body,
            self.closing,
            self.image_id,
            self.title,
            self.seo_title,
            self.search_description,
            self.summary,
            self.social_image_id,
            self.noindex,
            self.first_published_at,
            self.last_reviewed,
        )
        context["page_fragment"] = navigation.page_fragment(
            request, self, context["content_fragment"]
        )
        context.update(navigation.neighbours(request, self, lambda: self.neighbours(request)))
        return context

    def affiliate_links_by_id(self, request):
        # The most-read pages: their links come from the cache, per generation, which
        # every change to a link or partner starts (a link's own dates are checked at
        # each render). Previews may carry links the live page does not.
        if getattr(request, "is_preview", False) or not self.affiliate_link_ids():
            return super().affiliate_links_by_id(request)
        return navigation.affiliate_links(
            request,
            self,
            self.affiliate_link_ids(),
            lambda: super(GuidePage, self).affiliate_links_by_id(request),
        )

    def people(self):
        """Ids of the people the guide names: its authors and its reviewer."""
        ids = {item.person_id for item in self.authors.all()}
        return ids | {self.reviewer_id} if self.reviewer_id else ids

    def byline(self):
        """Who wrote the guide and who checked it, as the byline and JSON-LD need them."""
        authors = [item.person for item in self.authors.select_related("person", "person__photo")]
        reviewer = self.reviewer
        people = [*authors, reviewer] if reviewer else authors
        links = {}
        for link in PersonProfileLink.objects.filter(person__in=[p.pk for p in people if p.pk]):
            links.setdefault(link.person_id, []).append(link.url)

        def described(person):
            return {
                "name": person.name,
                "role": person.role,
                "url": person.get_absolute_url(),
                "same_as": links.get(person.pk, []),
            }

        return {
            "authors": [described(person) for person in authors],
            "reviewer": described(reviewer) if reviewer else None,
        }

    def neighbours(self, request):
        """The guides before and after this one in its section, the related guides
        (those editors chose, else the section's newest) and the byline."""
        siblings = self.section_guides(request)
        position = next((i for i, guide in enumerate(siblings) if guide.pk == self.pk), None)
        others = [guide for guide in siblings if guide.pk != self.pk]
        chosen = [item.guide for item in self.related_guides.select_related("guide")]
        newest_first = sorted(others, key=_published_timestamp, reverse=True)
        found = {
            "related_guides": [
                guide for guide in chosen if guide.live and navigation.is_public(request, guide)
            ]
            or newest_first[:3],
            "previous_guide": None,
            "next_guide": None,
            "byline": self.byline(),
        }
        if position is not None:
            found["previous_guide"] = siblings[position - 1] if position > 0 else None
            found["next_guide"] = siblings[position + 1] if position + 1 < len(siblings) else None
        return found


class GuideAuthor(Orderable):
    page = ParentalKey(GuidePage, on_delete=models.CASCADE, related_name="authors")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("person")]


class RelatedGuide(Orderable):
    page = ParentalKey(GuidePage, on_delete=models.CASCADE, related_name="related_guides")
    guide = models.ForeignKey(GuidePage, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("guide")]


class StandardPage(BasePage):
    """A plain page such as “About us” or “Privacy”, usually shown in the footer."""

    body = RichTextField(features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])

    content_panels = [*Page.content_panels, FieldPanel("image"), FieldPanel("body")]
    search_fields = [*BasePage.search_fields, index.SearchField("body")]

    parent_page_types = ["guides.HomePage"]
    subpage_types = []
