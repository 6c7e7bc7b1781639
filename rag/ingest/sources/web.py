"""WebSource: crawl a docs website politely, within an allow-list.

Seeds come from a ``sitemap.xml`` and/or start URLs. Only hosts in ``allow_hosts`` and
paths under ``allow_prefixes`` are fetched; redirects are followed only within them;
``robots.txt`` is honoured; private and loopback addresses are refused unless
``allow_private``. Non-HTML and oversize responses are skipped; 5xx and timeouts are retried with
exponential backoff; a page that keeps failing is reported in ``source.report``, never fatal.
The document id is the page's canonical URL. For example ``WebSource(WebSourceConfig(
sitemap="https://docs.example.com/sitemap.xml")).load()`` (tests/.../test_web.py crawls a local server).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
from bs4 import BeautifulSoup
from pydantic import Field, field_validator, model_validator

from rag.http import RETRY_STATUS, AsyncRetryTransport, address_problem
from rag.ingest.html_page import html_to_markdown
from rag.ingest.sources.base import SourceError, make_document
from rag.ingest.sources.sitemap import MAX_SITEMAP_DEPTH, MAX_SITEMAPS, read_sitemap
from rag.ingest.text import normalize
from rag.secrets import redact_text, redact_url
from rag.source_settings import NAME, SourceSettings, no_credentials

if TYPE_CHECKING:  # LlamaIndex loads when a Document is made (sources/base.py), not with a config
    from llama_index.core.schema import Document

log = logging.getLogger(__name__)
MAX_REDIRECTS = 5
MAX_ROBOTS_BYTES = 500_000  # what the major crawlers read of a robots.txt


class WebSourceConfig(SourceSettings):
    """A docs website: crawled from a sitemap and/or start URLs within an allow-list."""

    type: Literal["web"] = "web"
    name: str = Field("web", pattern=NAME)
    start_urls: list[str] = []
    sitemap: str | None = None
    allow_hosts: list[str] = []  # default: the hosts of start_urls and sitemap
    allow_prefixes: list[str] = ["/"]
    max_pages: int = Field(500, ge=1)
    max_depth: int = Field(5, ge=0)
    max_page_bytes: int = Field(2_000_000, ge=1)
    max_seconds: float = Field(300, gt=0)
    per_host_concurrency: int = Field(2, ge=1, le=16)
    retries: int = Field(3, ge=0, le=10)
    backoff_s: float = Field(0.5, ge=0)
    timeout_s: float = Field(10, gt=0)
    respect_robots: bool = True
    allow_private: bool = False  # private and loopback addresses are refused unless set
    user_agent: str = "agent-factory-crawler/0.1"

    _urls = field_validator("sitemap")(no_credentials)

    @field_validator("start_urls")
    @classmethod
    def _plain_urls(cls, value: list[str]) -> list[str]:
        return [no_credentials(url) for url in value]

    @model_validator(mode="after")
    def _has_seeds(self) -> WebSourceConfig:
        if not self.start_urls and not self.sitemap:
            raise ValueError("a web source needs start_urls or a sitemap")
        return self


@dataclass
class CrawlReport:
    """What the crawl did: pages indexed, and every URL skipped or failed, with why."""

    indexed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


class WebSource:
    def __init__(self, config: WebSourceConfig) -> None:
        self.config = config
        self.name = config.name
        seeds = [*config.start_urls, *([config.sitemap] if config.sitemap else [])]
        self.hosts = set(config.allow_hosts) or {urlsplit(u).netloc for u in seeds}
        self.report = CrawlReport()
        self._robots: dict[str, RobotFileParser | None] = {}
        self._host_limits: dict[str, asyncio.Semaphore] = {}

    def load(self) -> list[Document]:
        docs = asyncio.run(self._crawl())
        for url, why in self.report.failed.items():
            log.warning("%s: failed: %s", redact_url(url), why)  # a link's token never reaches a log
        if not docs:
            failed = redact_text(str(self.report.failed or "none"))
            raise SourceError(f"source {self.name!r}: no pages indexed; failed: {failed}")
        return sorted(docs, key=lambda d: d.doc_id)

    # -- policy --------------------------------------------------------------------
    def allowed(self, url: str, page: bool = True) -> str | None:
        """None when `url` may be fetched, else the reason it may not.

        Every request passes here (pages, redirects, the sitemap, robots.txt); only pages
        must also lie under ``allow_prefixes``.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme!r} not allowed"
        if parts.netloc not in self.hosts:
            return f"host {parts.netloc!r} not in allow_hosts"
        if page and not any(parts.path.startswith(prefix) for prefix in self.config.allow_prefixes):
            return "path outside allow_prefixes"
        if not self.config.allow_private:
            return address_problem(parts.hostname or "")
        return None

    async def _robots_allows(self, client: httpx.AsyncClient, url: str) -> bool:
        if not self.config.respect_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: RobotFileParser | None = None
            response = await self._get(client, f"{origin}/robots.txt", MAX_ROBOTS_BYTES, page=False)
            if response is not None and response.status_code == 200:
                parser = RobotFileParser()  # over the cap: the first MAX_ROBOTS_BYTES only
                parser.parse(response.content[:MAX_ROBOTS_BYTES].decode("utf-8", "replace").splitlines())
            self.report.failed.pop(f"{origin}/robots.txt", None)  # no robots.txt: everything allowed
            self._robots[origin] = parser
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(self.config.user_agent, url)

    # -- crawl ---------------------------------------------------------------------
    async def _crawl(self) -> list[Document]:
        deadline = time.monotonic() + self.config.max_seconds
        headers = {"User-Agent": self.config.user_agent}
        retrying = AsyncRetryTransport(self.config.retries, self.config.backoff_s)
        async with httpx.AsyncClient(
            timeout=self.config.timeout_s, follow_redirects=False, headers=headers, transport=retrying
        ) as client:
            seeds = list(self.config.start_urls)
            if self.config.sitemap:
                try:
                    seeds += await asyncio.wait_for(
                        self._sitemap(client, self.config.sitemap), self.config.max_seconds
                    )
                except TimeoutError as exc:
                    raise SourceError(
                        f"source {self.name!r}: sitemap {self.config.sitemap} not read within "
                        f"max_seconds ({self.config.max_seconds:g}s)"
                    ) from exc
            seen: set[str] = set()
            docs: dict[str, Document] = {}
            frontier = [(_clean(u), 0) for u in seeds]
            while frontier and len(docs) < self.config.max_pages and time.monotonic() < deadline:
                batch = []
                for url, depth in frontier:
                    if url not in seen and len(batch) + len(docs) < self.config.max_pages:
                        seen.add(url)
                        batch.append((url, depth))
                remaining = max(deadline - time.monotonic(), 0.001)  # bounds every fetch, not only batches
                results = await asyncio.gather(
                    *(self._visit_until(client, url, depth, remaining) for url, depth in batch)
                )
                frontier = []
                for (_url, depth), result in zip(batch, results, strict=True):
                    if result is None:
                        continue
                    doc, links = result
                    docs.setdefault(doc.doc_id, doc)
                    if depth < self.config.max_depth:
                        frontier += [(link, depth + 1) for link in links if link not in seen]
            if frontier:
                self.report.skipped |= {u: "crawl limit reached" for u, _ in frontier if u not in seen}
        self.report.indexed = sorted(d.metadata["url"] for d in docs.values())  # redacted
        return list(docs.values())

    async def _visit_until(
        self, client: httpx.AsyncClient, url: str, depth: int, seconds: float
    ) -> tuple[Document, list[str]] | None:
        try:
            return await asyncio.wait_for(self._visit(client, url, depth), seconds)
        except TimeoutError:
            self.report.failed[url] = f"max_seconds ({self.config.max_seconds:g}s) reached while fetching"
            return None

    async def _visit(
        self, client: httpx.AsyncClient, url: str, depth: int
    ) -> tuple[Document, list[str]] | None:
        if why := self.allowed(url):
            self.report.skipped[url] = why
            return None
        if not await self._robots_allows(client, url):
            self.report.skipped[url] = "disallowed by robots.txt"
            return None
        host = urlsplit(url).netloc
        limit = self._host_limits.setdefault(host, asyncio.Semaphore(self.config.per_host_concurrency))
        async with limit:
            fetched = await self._fetch(client, url)
        return self._parse(*fetched) if fetched else None

    async def _fetch(self, client: httpx.AsyncClient, url: str) -> tuple[str, str] | None:
        """GET with in-allow-list redirects, retries on 5xx/timeouts, type and size limits."""
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._get(client, url)
            if response is None:
                return None
            if response.is_redirect:
                target = _clean(urljoin(url, response.headers.get("location", "")))
                if why := self.allowed(target):
                    self.report.skipped[url] = f"redirect to {target}: {why}"
                    return None
                url = target
                continue
            if response.status_code != 200:
                self.report.failed[url] = f"HTTP {response.status_code}"
                return None
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in ("text/html", "application/xhtml+xml"):
                self.report.skipped[url] = f"not HTML ({kind or 'no content type'})"
                return None
            if len(response.content) > self.config.max_page_bytes:
                self.report.skipped[url] = f"larger than max_page_bytes ({len(response.content)} bytes)"
                return None
            return url, response.text
        self.report.failed[url] = "too many redirects"
        return None

    async def _get(
        self, client: httpx.AsyncClient, url: str, limit: int | None = None, page: bool = True
    ) -> httpx.Response | None:
        """GET one URL (after the allow-list check), reading at most `limit` + 1 bytes of its body.

        Transient failures are retried by the client's transport (rag/http.py, the one retry policy).
        """
        if why := self.allowed(url, page=page):
            self.report.skipped[url] = why
            return None
        limit = limit or self.config.max_page_bytes
        tries = f"after {self.config.retries + 1} attempts"
        try:
            async with client.stream("GET", url) as response:
                if response.status_code >= 500:
                    retried = response.status_code in RETRY_STATUS
                    self.report.failed[url] = f"HTTP {response.status_code}" + (
                        f" {tries}" if retried else ""
                    )
                    return None
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > limit:
                        break  # stop reading: the caller sees more than `limit` bytes
                return httpx.Response(
                    response.status_code, headers=response.headers, content=body, request=response.request
                )
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            self.report.failed[url] = f"{type(exc).__name__} {tries}"
            return None

    def _parse(self, url: str, html: str) -> tuple[Document, list[str]] | None:
        soup = BeautifulSoup(html, "html.parser")
        canonical = soup.find("link", rel="canonical")
        href = canonical.get("href") if canonical else None
        if href and not self.allowed(_clean(urljoin(url, href))):
            url = _clean(urljoin(url, href))
        links = sorted({_clean(urljoin(url, a["href"])) for a in soup.find_all("a", href=True)})
        text, title = html_to_markdown(html, url)
        if not (text := normalize(text)):
            self.report.skipped[url] = "no text"
            return None
        public = redact_url(url)  # the id, title and metadata are stored: no token from the query string
        return make_document(self.name, public, title or public, text, url=public), links

    async def _sitemap(self, client: httpx.AsyncClient, url: str) -> list[str]:
        """The page URLs of a sitemap, following a sitemap index (MAX_SITEMAP_DEPTH deep, MAX_SITEMAPS files)."""
        pages: list[str] = []
        queue = [(url, 0)]
        for _ in range(MAX_SITEMAPS):
            if not queue:
                break
            url, depth = queue.pop(0)
            response = await self._get(client, url, page=False)
            if response is None or response.status_code != 200:
                why = self.report.skipped.get(url) or self.report.failed.get(url) or f"HTTP {response.status_code}"  # fmt: skip
                raise SourceError(f"source {self.name!r}: cannot read sitemap {redact_url(url)}: {why}")
            found, nested = read_sitemap(response.content, redact_url(url), self.config.max_page_bytes)
            pages += found
            queue += [(u, depth + 1) for u in nested if depth < MAX_SITEMAP_DEPTH]
        return pages


def _clean(url: str) -> str:
    return urldefrag(url)[0]  # a page's sections are one page
