from django.db import models
from django.utils import timezone


class Hit(models.Model):
    """One row per redirect, like careersite's ``Click``."""

    slug = models.SlugField()
    at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.slug
