from django.http import HttpResponseRedirect
from django.shortcuts import render

from .models import Hit

ITEMS = [f"Item {number}" for number in range(10)]


def page(request):
    """Render a 10 KB template: Django's template engine and nothing else."""
    return render(request, "page.html", {"title": "Baseline page", "items": ITEMS})


def insert_and_redirect(request, slug):
    """Insert one row and redirect: the least a tracked redirect can do."""
    Hit.objects.create(slug=slug)
    return HttpResponseRedirect("https://partner.example.com/")
