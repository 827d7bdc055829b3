"""HTML pages the real service answers with where a JSON API client would expect JSON.

Civitai serves unknown paths (even under `/api/v1/`) with its Next.js 404 page, and Cloudflare in front
of it answers edge failures (52x, rate limits) with its own HTML error page. Both are written here from
their observable shape (status, content type, recognisable markers), not copied.
"""

from __future__ import annotations

import html
import os

from civitai_kit.testing.messages import FakeResponse

_NEXT_404 = """<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>\
<meta name="viewport" content="width=device-width, initial-scale=1"/>\
<title>404: This page could not be found | Civitai</title>\
<meta name="next-head-count" content="3"/></head>\
<body><div id="__next"><main><h1>404</h1><h2>This page could not be found.</h2>\
<p>The page you are looking for doesn&#x27;t exist or has been moved.</p></main></div>\
<script id="__NEXT_DATA__" type="application/json">\
{"props":{"pageProps":{"statusCode":404}},"page":"/404","query":{},"buildId":"fake-civitai",\
"isFallback":false,"gip":true,"scriptLoader":[]}</script></body></html>"""

# (status the client sees, Cloudflare error code shown on the page, title)
_CLOUDFLARE_ERRORS: dict[int, tuple[int, str]] = {
    429: (1015, "You are being rate limited"),
    500: (500, "Internal server error"),
    502: (502, "Bad gateway"),
    503: (503, "Service unavailable"),
    504: (504, "Gateway time-out"),
    520: (520, "Web server is returning an unknown error"),
    521: (521, "Web server is down"),
    522: (522, "Connection timed out"),
    523: (523, "Origin is unreachable"),
    524: (524, "A timeout occurred"),
    525: (525, "SSL handshake failed"),
}


def not_found_page() -> FakeResponse:
    """Civitai's answer to a path it has no page or endpoint for: HTML, status 404."""
    return FakeResponse.html(_NEXT_404, status=404, headers={"X-Powered-By": "Next.js", "Cache-Control": "no-store"})


def cloudflare_page(status: int = 522, host: str = "civitai.com", ray_id: str | None = None) -> FakeResponse:
    """A Cloudflare edge error page (`server: cloudflare`, a `cf-ray` header and the Ray ID on the page)."""
    code, title = _CLOUDFLARE_ERRORS.get(status, (status, "Error"))
    ray = ray_id or f"{os.urandom(8).hex()}-FRA"
    safe_host, safe_title = html.escape(host), html.escape(title)
    page = f"""<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>{safe_host} | {code}: {safe_title}</title>
<meta charset="UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="p-0">
    <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
      <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
        <span class="inline-block">{safe_title}</span>
        <span class="code-label">Error code {code}</span>
      </h1>
      <div>Error {code}</div>
      <div>Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_{code}">cloudflare.com</a>
        for more information.</div>
    </header>
    <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center">
      <p class="text-13">
        <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID:
          <strong class="font-semibold">{ray}</strong></span>
        <span class="cf-footer-separator sm:hidden">&bull;</span>
        <span class="cf-footer-item">Performance &amp; security by Cloudflare</span>
      </p>
    </div>
  </div>
</div>
</body>
</html>
"""
    headers = {"Server": "cloudflare", "CF-RAY": ray, "Cache-Control": "private, max-age=0, no-store, no-cache"}
    return FakeResponse.html(page, status=status, headers=headers)
