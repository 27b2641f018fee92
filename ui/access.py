"""Who may reach the page: the login check and the warning for a page open to other machines. Light on
imports, so the command line and the fast tests use them without loading Gradio."""

from __future__ import annotations

import ipaddress


def login_check(user: str, password: str, pause: float = 1.0):
    """The page's login: each wrong attempt waits `pause` seconds, one at a time, so guessing runs at
    about one try a second whatever the number of connections; right ones pass at once."""
    import asyncio
    import hmac

    wrong_attempts = asyncio.Lock()

    async def check(given_user: str, given_password: str) -> bool:
        ok = hmac.compare_digest(str(given_user).encode(), user.encode())
        ok &= hmac.compare_digest(str(given_password).encode(), password.encode())
        if not ok:
            async with wrong_attempts:
                await asyncio.sleep(pause)
        return ok

    return check


def exposure_warning(host: str, auth) -> str | None:
    """A warning when the page is reachable from other machines without a password."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback or auth:
        return None
    return (
        f"warning: serving on {host} without --auth: anyone who can reach this machine can read every "
        "indexed document and add or remove documents. Set a login (POLICY_ASSISTANT_AUTH=user:password "
        "or --auth-file) or bind 127.0.0.1."
    )
