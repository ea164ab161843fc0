"""``/go/postback/<token>/``: networks telling us of each sale as it happens (Awin's
transaction notifications, or any network that can call an address with the generic
fields), stored as a report's rows are: once per transaction, updated when it changes.
"""

import json

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .formats import GENERIC, ReportErrors, ReportFormat, read_row
from .models import Network
from .recording import record_conversions

#: The names networks send each field under: the generic form's first, then Awin's.
FIELDS = {
    "transaction_id": ("transaction_id", "transactionId", "id"),
    "click_id": ("click_id", "clickRef", "clickref"),
    "date": ("date", "transactionDate"),
    "status": ("status", "commissionStatus"),
    "sale_amount": ("sale_amount", "saleAmount"),
    "commission": ("commission", "commissionAmount"),
    "currency": ("currency", "currencyCode"),
}
POSTBACK = ReportFormat(
    name="postback",
    label="postback",
    network="",
    columns={name: name for name in FIELDS},
    statuses={**GENERIC.statuses, "deleted": GENERIC.statuses["declined"]},
)
MAX_BODY = 64 * 1024


def _fields(request):
    found = dict(request.GET.items())
    if request.method == "POST":
        if request.content_type == "application/json":
            try:
                body = json.loads(request.body[:MAX_BODY] or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict):
                raise ReportErrors([(1, "The body is not a JSON object.")])
            found.update({key: str(value) for key, value in body.items() if value is not None})
        else:
            found.update(request.POST.items())
    return {
        ours: next((found[name] for name in names if found.get(name) not in (None, "")), "")
        for ours, names in FIELDS.items()
    }


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def postback(request, token):
    network = Network.objects.filter(postback_token=token, accepts_postbacks=True).first()
    if network is None:
        raise Http404("No such postback address.")
    try:
        row = read_row(_fields(request), POSTBACK)
    except ReportErrors as problems:
        return HttpResponseBadRequest(
            "Not recorded: " + "; ".join(message for _, message in problems.errors),
            content_type="text/plain",
        )
    outcome = record_conversions(network, [row], source="postback")
    return HttpResponse(f"Recorded: {outcome}\n", content_type="text/plain")
