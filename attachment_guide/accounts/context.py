from __future__ import annotations

# Pages "Log in" does not bring the reader back to: home and the lock screen are where a
# log-in lands anyway, quick exit is no place to come back to, and the account pages pass
# on the `next` they were given (see `return_to` in views.py) instead of their own address.
_NOT_RETURNED_TO = {"home", "lock", "lock_erase", "exit"}


def return_to(request) -> dict:
    """Where logging in (or signing up) from the navigation comes back to: this page's own
    path, never its query (which could hold a search), and only on a page fetched with GET
    (the answer to a refused form has the form's address). A framed page's stand-in carries
    the page's path and view name (frames.Reader), so the frame holds its own page's link
    and no one else's."""
    match = request.resolver_match
    if request.method != "GET" or match is None:
        return {"return_to": ""}
    name = match.view_name
    if name in _NOT_RETURNED_TO or name.startswith("accounts:"):
        return {"return_to": ""}
    return {"return_to": request.path}
