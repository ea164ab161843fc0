"""A link's history: who changed its destination, when, from what to what; and locking a
link so nobody else changes it."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import querydict_from_html

from affiliates.importing.plan import apply_import
from affiliates.models import AffiliateLink
from tests.factories import AffiliateLinkFactory, UserFactory

pytestmark = pytest.mark.django_db

OLD = "https://partner.example.com/old-offer"
NEW = "https://partner.example.com/new-offer"


def url(name, link):
    return reverse(f"wagtailsnippets_affiliates_affiliatelink:{name}", args=[link.pk])


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def manager(username):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name="Affiliate managers"))
    return user


def edit(client, link, **values):
    data = querydict_from_html(
        client.get(url("edit", link)).content.decode(), form_id="w-editor-form"
    )
    data.update(values)
    return client.post(url("edit", link), data)


def history_lines(client, link):
    response = client.get(url("history", link))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return [" ".join(row.get_text(" ", strip=True).split()) for row in soup.select("tbody tr")]


def test_changing_the_destination_shows_who_changed_it_from_what_to_what(home):
    link = AffiliateLinkFactory(destination_url=OLD)
    alice = signed_in(manager("alice"))

    assert edit(alice, link, destination_url=NEW).status_code == 302

    [entry] = ModelLogEntry.objects.filter(action="affiliates.change_destination")
    assert (entry.user.username, entry.data) == ("alice", {"from": OLD, "to": NEW})
    assert any(
        f"Destination changed from {OLD} to {NEW}" in line and "alice" in line
        for line in history_lines(alice, link)
    )


def test_every_edit_is_kept_as_a_revision_the_history_can_compare(home):
    link = AffiliateLinkFactory(destination_url=OLD)
    alice = signed_in(manager("alice"))

    edit(alice, link, destination_url=NEW)
    edit(alice, link, name="Renamed offer")

    link.refresh_from_db()
    revisions = list(link.revisions.order_by("created_at"))
    assert [revision.content["destination_url"] for revision in revisions] == [NEW, NEW]
    assert [revision.user.username for revision in revisions] == ["alice", "alice"]
    assert link.latest_revision == revisions[-1]
    # One destination change, however many other edits.
    assert ModelLogEntry.objects.filter(action="affiliates.change_destination").count() == 1


def test_an_edit_that_keeps_the_destination_adds_no_destination_entry(home):
    link = AffiliateLinkFactory(destination_url=OLD)

    edit(signed_in(manager("alice")), link, name="Renamed offer")

    assert not ModelLogEntry.objects.filter(action="affiliates.change_destination").exists()


def test_an_import_that_changes_a_destination_names_the_importer(home):
    link = AffiliateLinkFactory(name="Offer", slug="offer", destination_url=OLD)
    alice = manager("alice")

    plan = apply_import(f"name,slug,destination_url\nOffer,offer,{NEW}\n", user=alice)

    assert plan.applied
    [entry] = ModelLogEntry.objects.filter(action="affiliates.change_destination")
    assert (entry.user, entry.data) == (alice, {"from": OLD, "to": NEW})
    assert link.revisions.get().content["destination_url"] == NEW


def test_a_command_import_records_the_change_with_no_user(home, tmp_path):
    AffiliateLinkFactory(name="Offer", slug="offer", destination_url=OLD)
    csv_file = tmp_path / "links.csv"
    csv_file.write_text(f"name,slug,destination_url\nOffer,offer,{NEW}\n")

    call_command("import_affiliate_links", str(csv_file), stdout=None)

    [entry] = ModelLogEntry.objects.filter(action="affiliates.change_destination")
    assert (entry.user, entry.data) == (None, {"from": OLD, "to": NEW})


def test_a_locked_link_cannot_be_changed_by_someone_else(home):
    link = AffiliateLinkFactory(destination_url=OLD)
    alice, bob = signed_in(manager("alice")), signed_in(manager("bob"))

    assert alice.post(url("lock", link)).status_code == 302
    response = edit(bob, link, destination_url=NEW)

    link.refresh_from_db()
    assert link.locked and link.locked_by.username == "alice"
    assert link.destination_url == OLD
    assert response.status_code == 200
    assert "locked" in response.content.decode().lower()


def test_whoever_locked_a_link_can_still_change_it_and_unlock_it(home):
    link = AffiliateLinkFactory(destination_url=OLD)
    alice = signed_in(manager("alice"))
    alice.post(url("lock", link))

    assert edit(alice, link, destination_url=NEW).status_code == 302
    alice.post(url("unlock", link))

    link.refresh_from_db()
    assert (link.destination_url, link.locked) == (NEW, False)


def test_an_import_leaves_a_locked_link_alone_and_says_which_line(home):
    link = AffiliateLinkFactory(name="Offer", slug="offer", destination_url=OLD)
    alice = manager("alice")
    link.locked, link.locked_by = True, alice
    link.save()
    text = f"name,slug,destination_url\nNew one,new-one,{NEW}\nOffer,offer,{NEW}\n"

    plan = apply_import(text, user=manager("bob"))

    assert not plan.applied
    assert [str(error) for error in plan.errors] == [
        "Line 3: the link “offer” is locked by alice; unlock it in the admin first."
    ]
    link.refresh_from_db()
    assert link.destination_url == OLD
    assert not AffiliateLink.objects.filter(slug="new-one").exists()
    # The one who locked it may import changes to it.
    assert apply_import(text, user=alice).applied
