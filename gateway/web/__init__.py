"""The web pages, server-rendered beside the GraphQL schema.

app: the routes (``/``, ``/status``, ``/static``) mounted into the gateway's application.
signin: OpenID Connect sign-in (``/sign-in``, its callback, ``/sign-out``) through Authlib.
lookup: the public lookup as the GraphQL resolver does it (length, rate limit, use case).
language: the page's language (``?lang``, cookie, Accept-Language).
headers: the security headers every page carries.
me, me_view, me_link, me_access: the applicant's pages (``/me``, ``/me/cases/link``,
``/me/access``); erased: their answer once the applicant's data was erased.
reserved: paths kept for later pages, answering 404 "not available yet".
assets: fetches the pinned USWDS build into ``static/uswds`` (run by hand, output committed).
"""
