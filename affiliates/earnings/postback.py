"""``/go/postback/<token>/``: networks telling us of each sale as it happens (Awin's
transaction notifications, or any network that can call an address with the generic
fields), stored as a report's rows are: once per transaction, updated when it changes.
"""

import dataclasses
import datetime
import json
import re

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .formats import GENERIC, ReportErrors, ReportFormat, read_row
from .models import Conversion, Network
from .recording import record_conversions

#: The names networks send each field under: the generic form's first, then Awin's
#: (its transaction notification's JSON and GET placeholders), then other common ones.
FIELDS = {
    "transaction_id": ("transaction_id", "transactionId", "id"),
    "click_id": ("click_id", "clickRef", "clickref"),
    "date": ("date", "transactionDate"),
    "status": ("status", "commissionStatus"),
    "sale_amount": ("sale_amount", "transactionAmount", "saleAmount"),
    "commission": ("commission", "commissionAmount"),
    "currency": ("currency", "transactionCurrency", "currencyCode"),
}
#: Awin POSTs its notification as one form field holding the transaction as JSON.
AWIN_PUSH = "AwinTransactionPush"
POSTBACK = ReportFormat(
    name="postback",
    label="postback",
    network="",
    columns={name: name for name in FIELDS},
    statuses={**GENERIC.statuses, "deleted": GENERIC.statuses["declined"]},
)
MAX_BODY = 64 * 1024
#: An Awin placeholder ("!!!clickRef!!!") the network did not fill in.
_PLACEHOLDER = re.compile(r"!!!\w+!!!")


def _json_object(text):
    try:
        body = json.loads(text or "{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise ReportErrors([(1, "The body is not a JSON object.")])
    # Nested values (Awin's commission groups, products) are not fields of a sale.
    return {
        key: str(value)
        for key, value in body.items()
        if value is not None and not isinstance(value, dict | list)
    }


def _fields(request):
    found = dict(request.GET.items())
    if request.method == "POST":
        if request.content_type == "application/json":
            found.update(_json_object(request.body[:MAX_BODY]))
        else:
            found.update(request.POST.items())
            if AWIN_PUSH in found:
                found.update(_json_object(found.pop(AWIN_PUSH)[:MAX_BODY]))
    fields = {
        ours: next((found[name] for name in names if found.get(name) not in (None, "")), "")
        for ours, names in FIELDS.items()
    }
    unfilled = sorted({value for value in fields.values() if _PLACEHOLDER.fullmatch(value)})
    if unfilled:
        message = f"{', '.join(unfilled)} came as written: check its spelling at the network."
        raise ReportErrors([(1, message)])
    from_awin = "transactionId" in found
    if from_awin:
        fields.update(_awin_times(fields))
    return fields, from_awin


def _awin_times(fields):
    """Awin gives its times in UTC without saying so."""
    try:
        when = datetime.datetime.fromisoformat(fields["date"])
    except ValueError:
        return {}  # read_row says what is wrong with it
    return (
        {"date": when.replace(tzinfo=datetime.UTC).isoformat()} if timezone.is_naive(when) else {}
    )


def _status_unsaid(network, transaction_id):
    """Awin notifies a sale when it is recorded, without a status: pending when new,
    and as it was when notified again (a report may have approved it since)."""
    stored = (
        Conversion.objects.filter(network=network, transaction_id=transaction_id)
        .values_list("status", flat=True)
        .first()
    )
    return stored or Conversion.Status.PENDING


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def postback(request, token):
    network = Network.objects.filter(postback_token=token, accepts_postbacks=True).first()
    if network is None:
        raise Http404("No such postback address.")
    try:
        fields, from_awin = _fields(request)
        unsaid = from_awin and not fields["status"]
        if unsaid:
            fields["status"] = Conversion.Status.PENDING
        row = read_row(fields, POSTBACK)
        if unsaid:
            row = dataclasses.replace(row, status=_status_unsaid(network, row.transaction_id))
    except ReportErrors as problems:
        return HttpResponseBadRequest(
            "Not recorded: " + "; ".join(message for _, message in problems.errors),
            content_type="text/plain",
        )
    outcome = record_conversions(network, [row], source="postback")
    return HttpResponse(f"Recorded: {outcome}\n", content_type="text/plain")
