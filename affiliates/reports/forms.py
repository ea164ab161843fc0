"""The choices a click report or a click export is made from: plain GET fields, so both
work without JavaScript."""

from django import forms
from django.db import models

from affiliates.days import last_days, out_of_report_range, site_today
from affiliates.links.models import AffiliateLink

from .queries import Grouping

#: The longest custom range the report draws, in days.
MAX_RANGE_DAYS = 731


class ReportDayField(forms.DateField):
    """A day reports can be drawn for (``affiliates.days``): year 1 or 9999 is refused
    with a message rather than overflowing the arithmetic on days."""

    def validate(self, value):
        super().validate(value)
        if value and (problem := out_of_report_range(value)):
            raise forms.ValidationError(problem)


class Period(models.TextChoices):
    LAST_7 = "7", "Last 7 days"
    LAST_30 = "30", "Last 30 days"
    LAST_90 = "90", "Last 90 days"
    CUSTOM = "custom", "Custom dates"


class ClickReportForm(forms.Form):
    """What the report shows. Plain GET fields: it works without JavaScript."""

    group_by = forms.ChoiceField(label="Clicks per", choices=Grouping.choices)
    period = forms.ChoiceField(label="Period", choices=Period.choices)
    date_from = ReportDayField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="For custom dates; both days included.",
    )
    date_to = ReportDayField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for today.",
    )
    include_bots = forms.BooleanField(label="Include bots", required=False)

    defaults = {"group_by": Grouping.LINK, "period": Period.LAST_30}

    def __init__(self, query):
        data = {**self.defaults, **{key: query[key] for key in self.base_fields if key in query}}
        super().__init__(data)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["period"] != Period.CUSTOM:
            cleaned["first_day"], cleaned["last_day"] = last_days(int(cleaned["period"]))
            return cleaned
        first, last = cleaned.get("date_from"), cleaned.get("date_to") or site_today()
        if first is None:
            self.add_error("date_from", "Choose the first day for custom dates.")
        elif last < first:
            self.add_error("date_to", "The last day cannot be before the first.")
        elif (last - first).days + 1 > MAX_RANGE_DAYS:
            self.add_error("date_from", f"Choose at most {MAX_RANGE_DAYS} days.")
        else:
            cleaned["first_day"], cleaned["last_day"] = first, last
        return cleaned


class ClickExportForm(forms.Form):
    since = ReportDayField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = ReportDayField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Both days included, in the site's time zone. Leave empty for up to now.",
    )
    link = forms.ModelChoiceField(
        queryset=AffiliateLink.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="All links",
    )
    format = forms.ChoiceField(
        choices=[("csv", "CSV"), ("xlsx", "Excel workbook (XLSX)")],
        initial="csv",
        required=False,  # CSV unless asked
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned_data = super().clean()
        since, until = cleaned_data.get("since"), cleaned_data.get("until")
        if since and until and until < since:
            self.add_error("until", "The last day can't be before the first.")
        return cleaned_data


class EarningsBasis(models.TextChoices):
    CONVERSION = "conversion", "Date of the sale"
    CLICK = "click", "Date of the click"


class EarningsReportForm(ClickReportForm):
    """What the earnings report shows: the click report's choices, and which date
    places a sale in the period. Bots are always left out of its clicks."""

    group_by = forms.ChoiceField(label="Earnings per", choices=Grouping.choices)
    basis = forms.ChoiceField(label="Count sales by", choices=EarningsBasis.choices)
    include_bots = None

    defaults = {**ClickReportForm.defaults, "basis": EarningsBasis.CONVERSION}
