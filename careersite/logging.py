"""What the site's own log lines may say about a reader or an editor.

Production logs go to stdout as JSON lines (careersite/settings/production.py) and on to
whatever collects them, so they carry no client address, cookie or account name.
"""


def sign_in_attempt_description(username, ip_address, user_agent, path_info, request):
    """How django-axes names a sign-in attempt in its log lines: where, never who or from where.

    Axes' own description holds the user name, address and browser of every failed and
    successful sign-in and lock-out. Who was locked out, from which address, stays in
    the database's record of access attempts (axes' AccessAttempt), not in the logs.
    """
    if isinstance(path_info, tuple | list):
        path_info = path_info[0]
    return f'{{path_info: "{path_info}"}}'
