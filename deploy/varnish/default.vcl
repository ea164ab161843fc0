vcl 4.1;
#
# careersite front cache: Varnish in front of the gunicorn app servers.
#
#   varnishd -a :80 -f /etc/varnish/default.vcl -s malloc,1g
#
# Anonymous readers get pages from here; editors, the admin, affiliate redirects
# and anything personal go straight to the app. Wagtail purges a page's URL when
# it is published, unpublished or moved (WAGTAILFRONTENDCACHE, FRONTEND_CACHE_URL);
# anything else a page shows (snippets, settings) is at most DEFAULT_TTL old.
# See docs/deployment.md.

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
    # documents (may be private), and search results for a query.
    if (req.url ~ "^/(admin|django-admin|go|documents)(/|$)"
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

    # Campaign tags change nothing on the page; one cached copy serves them all.
    if (req.url ~ "[?&](utm_[a-z]+|gclid|fbclid|mc_cid|mc_eid)=") {
        set req.url = regsuball(req.url, "(utm_[a-z]+|gclid|fbclid|mc_cid|mc_eid)=[^&]*&?", "");
        set req.url = regsub(req.url, "[?&]+$", "");
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
    # After expiry, one request refreshes the page while others get the old copy.
    set beresp.grace = 30s;
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
