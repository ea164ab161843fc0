"""Two-step verification for the Wagtail admin: a password, then a code from an app.

Built on django-otp. An editor adds an authenticator app under Account › Security (a TOTP
device, confirmed by a code before it counts) and gets ten single-use backup codes. From
then on the password alone opens nothing: ``middleware.SecondFactorMiddleware`` sends the
signed-in but unverified session to the code prompt, and treats it as a reader everywhere
outside the admin. ``SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS`` makes superusers set one up
before they can use the admin.

``devices`` is the only module that creates or deletes devices; the views, the account
panel and the ``remove_second_factor`` command all go through it.
"""
