"""The headers every response carries (pages, files, the API, errors and 404s alike): nothing
cached or stored, no referrer, no indexing, and a Content-Security-Policy that allows only the
bot's own files (no inline script or style, no third party, no forms, no plug-ins)."""

from __future__ import annotations

from aiohttp import web

SERVER = "vrede"  # instead of aiohttp's name and version


def policy(frame_ancestors: tuple[str, ...]) -> str:
    """The Content-Security-Policy; `frame_ancestors` are the origins that may embed the chat."""
    frames = " ".join(frame_ancestors) or "'none'"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "manifest-src 'none'",
            "worker-src 'none'",
            f"frame-ancestors {frames}",
        )
    )


def security_headers(frame_ancestors: tuple[str, ...]) -> dict[str, str]:
    """The fixed headers for every response."""
    headers = {
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Expires": "0",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex, nofollow, noarchive",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": policy(frame_ancestors),
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Server": SERVER,
    }
    if not frame_ancestors:
        headers["X-Frame-Options"] = "DENY"  # for browsers without frame-ancestors
    return headers


def install(app: web.Application, frame_ancestors: tuple[str, ...]) -> None:
    """Add the headers to every response the app prepares, whatever produced it."""
    fixed = security_headers(frame_ancestors)

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(fixed)
        response.headers.popall("Last-Modified", None)
        response.headers.popall("ETag", None)

    app.on_response_prepare.append(add)
