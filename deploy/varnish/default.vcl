vcl 4.1;

import std;

#
# careersite front cache: Varnish in front of the gunicorn app servers.
#
#   varnishd -a :80 -f /etc/varnish/default.vcl -s malloc,1g
#
# Anonymous readers get pages from here; editors, the admin, affiliate redirects
# and anything personal go straight to the app. Wagtail purges a page's URL when
# it is published, unpublished or moved (WAGTAILFRONTENDCACHE, FRONTEND_CACHE_URL);
# anything else a page shows (snippets, settings) is at most DEFAULT_TTL old.
# When the app cannot reach its database, readers get the pages held here for up
# to six hours (grace) rather than errors. See docs/deployment.md.

# The app servers. With more than one, add a backend per server and a director
# (import directors; round_robin) and point vcl_recv at it.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 35s;   # a little over gunicorn's 30 s worker timeout
    .between_bytes_timeout = 10s;
    .max_connections = 200;
}

# Can the app do its work? Its /healthz/ answers 200 only while it reaches PostgreSQL,
# Redis and the job queue, and 503 within 1.5 s when any of them refuses or hangs
# (careersite/healthz.py). Sick after 3 of the last 5 probes failed (10 to 15 s into an
# outage), healthy again after 3 good ones. Sick only means readers get held pages
# however old (grace, below); requests still go to the app, which without Redis renders
# every page itself, and without the database explains (503).
probe app_ready {
    .request =
        "GET /healthz/ HTTP/1.1"
        "Host: localhost"             # one of the app's ALLOWED_HOSTS
        "X-Forwarded-Proto: https"    # as the TLS terminator says; no redirect to https
        "User-Agent: varnish-health-probe"
        "Connection: close";
    .interval = 5s;
    .timeout = 2s;
    .window = 5;
    .threshold = 3;
    .initial = 3;
}

# The same app server, only to ask the probe. Requests never go through it: a sick
# backend gets none, and while the database is down the app still answers /go/
# redirects and pages in its own cache, and explains everything else (503).
backend app_health {
    .host = "127.0.0.1";
    .port = "8000";
    .probe = app_ready;
}

# Who may send PURGE: the app servers, which purge on publish. Only this machine here;
# add the app servers' addresses when they run elsewhere.
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        # Varnish has already appended client.ip to X-Forwarded-For, so a comma
        # means a proxy in front (a TLS terminator on this machine) relayed the
        # request for someone else: refuse it even though it comes from localhost.
        if (client.ip !~ purgers || req.http.X-Forwarded-For ~ ",") {
            return (synth(405, "PURGE not allowed from this address"));
        }
        return (purge);
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # Never cached: the admin, affiliate redirects (every click must be counted),
    # documents (may be private), health checks (each must ask the app), and search
    # results for a query.
    if (req.url ~ "^/(admin|django-admin|go|documents|healthz|_health)(/|$)"
        || req.url ~ "^/search/?\?(.*&)?q=") {
        return (pass);
    }

    # Signed-in editors, readers part-way through a form, and flash messages.
    if (req.http.Authorization
        || req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken|messages)=") {
        return (pass);
    }

    # Any other cookie (analytics, consent banners) means nothing to the app:
    # drop it so those readers share the cached page.
    unset req.http.Cookie;

    # Only the query parameters some page reads reach the app and the cache key:
    # pagination and search, as in guides/page_cache.DEFAULT_QUERY_PARAMETERS. Campaign
    # tags and anything else change nothing on the page; one cached copy serves them all.
    if (req.url ~ "\?") {
        set req.http.X-Query = regsuball(
            regsub(req.url, "^[^?]*\?", "&"), "&(?!(page|p|q)=)[^&]*", "");
        set req.url = regsub(req.url, "\?.*$", "");
        if (req.http.X-Query != "") {
            set req.url = std.querysort(req.url + "?" + regsub(req.http.X-Query, "^&", ""));
        }
        unset req.http.X-Query;
    }

    # A page past its time is served for up to 30 s more while one request refreshes
    # it. While the app cannot reach its database, for as long as the page's grace
    # (six hours, below): readers get what is here rather than errors.
    if (std.healthy(app_health)) {
        set req.grace = 30s;
    }

    return (hash);
}

sub vcl_hash {
    # A TLS terminator in front sets X-Forwarded-Proto. Plain-HTTP requests get
    # Django's redirect to HTTPS, which must never be served to HTTPS readers.
    if (req.http.X-Forwarded-Proto && req.http.X-Forwarded-Proto != "https") {
        hash_data("insecure");
    }
    # Then the default: URL and Host.
}

sub vcl_backend_response {
    # A refresh in the background that fails (the database is down, say) keeps the
    # copy readers are getting instead of replacing it with the error.
    if (bereq.is_bgfetch && beresp.status >= 500) {
        return (abandon);
    }

    # Pages that set a cookie or are marked personal are never stored; remember
    # that for two minutes so concurrent requests are not queued behind them.
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || beresp.http.Vary == "*") {
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }

    # Store pages and "not found"; redirects and errors always come from the app.
    if (beresp.status != 200 && beresp.status != 404) {
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }

    # The app purges what it publishes, so pages may stay long. Without its own
    # max-age, a page is kept five minutes (DEFAULT_TTL) so that snippet and
    # setting changes, which purge nothing, still show soon.
    if (beresp.http.Cache-Control !~ "(s-maxage|max-age)=") {
        set beresp.ttl = 5m;
    }
    if (beresp.status == 404) {
        set beresp.ttl = 1m;
    }
    # Kept six hours past its time for outages; while the app is healthy, vcl_recv
    # lets readers have it for 30 s past its time while one request refreshes it.
    set beresp.grace = 6h;
    return (deliver);
}

sub vcl_backend_error {
    # As above: a failed refresh leaves the copy readers are getting.
    if (bereq.is_bgfetch) {
        return (abandon);
    }
    # No app server answered, and there is no copy to serve: say so plainly.
    set beresp.http.Content-Type = "text/html; charset=utf-8";
    set beresp.http.Retry-After = "60";
    set beresp.http.Cache-Control = "no-store";
    synthetic({"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Back shortly</title></head>
<body><main><h1>We’ll be back shortly</h1><p>This page is unavailable for a few minutes while we fix a problem on our side. Please try again in a minute or two.</p></main></body></html>
"});
    return (deliver);
}

sub vcl_deliver {
    # HIT or MISS, for operators and the integration test; Age says how old.
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
