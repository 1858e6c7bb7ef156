"""The leak guard's crawler: every public page, feed and download reachable from /public/."""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client

from zhengyi.sunshine.redaction import Leak, find_leaks

LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"'#]+)""")
# Public space: the portal and the ledger pages it links to (verify links).
FOLLOW = ("/public/", "/ledger/entries/", "/ledger/checkpoint", "/ledger/key")
# The language links set a cookie and redirect back to the page they are on: not pages.
SKIP = ("/static/", "/public/language/")


@dataclass
class Crawl:
    pages: dict[str, int] = field(default_factory=dict)  # url → status
    sizes: dict[str, int] = field(default_factory=dict)
    leaks: list[tuple[str, Leak]] = field(default_factory=list)


def page_leaks(text: str, names: Iterable[str]) -> list[Leak]:
    """What a page's text reveals: ID, mobile, landline, plate, bank numbers, parties' full names.

    Checked twice: as served with entities decoded, and with tags replaced by spaces, so a
    number written as entities or wrapped in markup is still found."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return find_leaks(plain, names, addresses=False) + find_leaks(html.unescape(text), names, addresses=False)


def crawl(names: Iterable[str], start: str = "/public/", limit: int = 600) -> Crawl:
    names = list(names)
    client = Client()
    result = Crawl()
    queue: deque[str] = deque([start])
    seen = {start}
    while queue and len(result.pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        result.pages[url] = response.status_code
        body = response.content
        result.sizes[url] = len(body)
        text = body.decode("utf-8", errors="replace")
        for leak in page_leaks(text, names):
            result.leaks.append((url, leak))
        ctype = response.get("Content-Type", "")
        if "html" not in ctype and "xml" not in ctype:
            continue
        links = (
            LINK.findall(text)
            + re.findall(r"<link>([^<]+)</link>", text)
            + re.findall(r'<link href="([^"]+)"', text)
        )
        for raw in links:
            target = urldefrag(urljoin(url, html.unescape(raw)))[0]
            parts = urlsplit(target)
            if parts.netloc and parts.netloc not in ("testserver", ""):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(SKIP) or not path.startswith(FOLLOW) or path in seen:
                continue
            seen.add(path)
            queue.append(path)
    return result
