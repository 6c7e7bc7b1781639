"""The crawler against a real HTTP server on 127.0.0.1 serving a generated site."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.ingest.sources import SourceError
from rag.ingest.sources.web import WebSource, WebSourceConfig


def page(title: str, body: str, links: list[str] = ()) -> bytes:
    anchors = "".join(f'<a href="{link}">{link}</a> ' for link in links)
    return f"<html><head><title>{title}</title></head><body><nav>menu</nav><p>{body}</p>{anchors}</body></html>".encode()


class Site:
    """A small docs site with every awkward case a crawler meets."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.pages = {
            "/docs/": (
                200,
                "text/html",
                page(
                    "Home",
                    "Welcome to the widget docs.",
                    [
                        "/docs/guide/install",
                        "/docs/old",
                        "/docs/missing",
                        "/docs/flaky",
                        "/docs/manual.pdf",
                        "/private/secret",
                        "http://example.org/elsewhere",
                        "/blog/post",
                    ],
                ),
            ),
            "/docs/guide/install": (
                200,
                "text/html",
                page("Install", "Run widgetctl setup to install.", ["/docs/guide/deep/config"]),
            ),
            "/docs/guide/deep/config": (
                200,
                "text/html; charset=utf-8",
                page("Config", "The config file is widget.toml."),
            ),
            "/docs/new": (200, "text/html", page("New page", "The new location of the old page.")),
            "/docs/manual.pdf": (200, "application/pdf", b"%PDF-1.4 binary"),
            "/private/secret": (200, "text/html", page("Secret", "Do not index.")),
            "/blog/post": (200, "text/html", page("Blog", "Outside the prefix.")),
            "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
        }
        self.streams: dict[str, tuple[str, bytes, float]] = {}  # path -> (type, chunk, delay): endless
        self.sent: dict[str, int] = {}  # bytes of each stream written before the client hung up

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                if self.path in site.streams:  # a body that never ends, `chunk` every `delay` seconds
                    kind, chunk, delay = site.streams[self.path]
                    self.send_response(200)
                    self.send_header("Content-Type", kind)
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        for _ in range(int(60 / max(delay, 0.001))):  # bounded: stops by itself
                            self.wfile.write(chunk)
                            self.wfile.flush()
                            site.sent[self.path] = site.sent.get(self.path, 0) + len(chunk)
                            time.sleep(delay)
                    return
                if self.path == "/docs/old":
                    self.send_response(301)
                    self.send_header("Location", "/docs/new")
                    self.end_headers()
                    return
                if self.path == "/docs/flaky" and site.hits[self.path] < 3:
                    self.send_response(500)
                    self.end_headers()
                    return
                if self.path == "/docs/flaky":
                    status, kind, body = (
                        200,
                        "text/html",
                        page("Flaky", "This page recovers after two errors."),
                    )
                elif self.path == "/sitemap.xml":
                    urls = "".join(
                        f"<url><loc>{site.base}{p}</loc></url>" for p in ("/docs/", "/docs/guide/install")
                    )
                    status, kind, body = (
                        200,
                        "application/xml",
                        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
                    )
                else:
                    status, kind, body = site.pages.get(
                        self.path.split("?")[0], (404, "text/html", b"not found")
                    )
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def site():
    with Site() as s:
        yield s


def config(site: Site, **kw) -> WebSourceConfig:
    base = {"name": "site", "sitemap": f"{site.base}/sitemap.xml", "allow_prefixes": ["/docs/", "/private/"],
            "allow_private": True, "backoff_s": 0.01, "retries": 3}  # fmt: skip
    return WebSourceConfig(**(base | kw))


def test_crawl_indexes_exactly_the_allowed_html_pages(site):
    source = WebSource(config(site))
    docs = source.load()
    paths = [d.metadata["url"].removeprefix(site.base) for d in docs]
    assert paths == ["/docs/", "/docs/flaky", "/docs/guide/deep/config", "/docs/guide/install", "/docs/new"]
    report = source.report
    assert report.skipped[f"{site.base}/private/secret"] == "disallowed by robots.txt"
    assert report.skipped[f"{site.base}/docs/manual.pdf"].startswith("not HTML")
    assert "not in allow_hosts" in report.skipped["http://example.org/elsewhere"]
    assert report.skipped[f"{site.base}/blog/post"] == "path outside allow_prefixes"
    assert report.failed == {f"{site.base}/docs/missing": "HTTP 404"}
    assert site.hits["/docs/flaky"] == 3  # two 500s, then recovered
    assert "/private/secret" not in site.hits and "/blog/post" not in site.hits
    home = next(d for d in docs if d.metadata["url"].endswith("/docs/"))
    assert home.metadata["title"] == "Home" and "menu" not in home.text
    assert home.doc_id == f"site/{site.base}/docs/"


def test_a_page_that_keeps_failing_is_reported_not_fatal(site):
    source = WebSource(config(site, retries=1))
    docs = source.load()
    assert source.report.failed[f"{site.base}/docs/flaky"] == "HTTP 500 after 2 attempts"
    assert len(docs) == 4


def test_limits_on_pages_depth_and_bytes(site):
    assert len(WebSource(config(site, max_pages=2)).load()) == 2
    shallow = WebSource(config(site, sitemap=None, start_urls=[f"{site.base}/docs/"], max_depth=0))
    assert [d.metadata["title"] for d in shallow.load()] == ["Home"]
    small = WebSource(
        config(
            site,
            sitemap=None,
            start_urls=[f"{site.base}/docs/", f"{site.base}/docs/guide/install"],
            max_page_bytes=300,
        )
    )
    assert [d.metadata["title"] for d in small.load()] == ["Config", "Install"]
    assert small.report.skipped[f"{site.base}/docs/"].startswith("larger than max_page_bytes")


def test_loopback_is_refused_unless_allowed(site):
    source = WebSource(config(site, allow_private=False))
    with pytest.raises(SourceError, match="cannot read sitemap .*: not a globally routable address"):
        source.load()  # the sitemap passes the same check as every page
    pages = WebSource(config(site, allow_private=False, sitemap=None, start_urls=[f"{site.base}/docs/"]))
    with pytest.raises(SourceError, match="no pages indexed"):
        pages.load()
    assert "not a globally routable address" in pages.report.skipped[f"{site.base}/docs/"]
    assert "/sitemap.xml" not in site.hits  # refused before any request


def test_redirect_outside_the_allow_list_is_not_followed(site):
    site.pages["/docs/away"] = (200, "text/html", b"")
    source = WebSource(
        config(site, sitemap=None, start_urls=[f"{site.base}/docs/old"], allow_prefixes=["/docs/old"])
    )
    with pytest.raises(SourceError):
        source.load()
    assert source.report.skipped[f"{site.base}/docs/old"].endswith("path outside allow_prefixes")


def test_redirect_into_a_private_or_loopback_address_is_refused_unless_allowed(site, monkeypatch):
    """Every address here is loopback, so the classifier is told 127.0.0.1 stands for the public
    site; `localhost` (also 127.0.0.1) stays private. A public page redirecting there is refused."""
    import rag.ingest.sources.web as web

    real = web.address_problem
    monkeypatch.setattr(web, "address_problem", lambda host: None if host == "127.0.0.1" else real(host))
    port = site.base.rsplit(":", 1)[1]
    site.pages["/docs/jump"] = (200, "text/html", b"")
    inner = f"http://localhost:{port}/docs/new"
    redirecting = {"/docs/jump": inner}
    handler = site.server.RequestHandlerClass
    original_get = handler.do_GET

    def do_get(self):
        if self.path in redirecting:
            self.send_response(302)
            self.send_header("Location", redirecting[self.path])
            self.end_headers()
            return
        original_get(self)

    monkeypatch.setattr(handler, "do_GET", do_get)
    hosts = [f"127.0.0.1:{port}", f"localhost:{port}"]
    kw = {"sitemap": None, "start_urls": [f"{site.base}/docs/jump"], "allow_hosts": hosts}
    refused = WebSource(config(site, allow_private=False, **kw))
    with pytest.raises(SourceError):
        refused.load()
    assert (
        refused.report.skipped[f"{site.base}/docs/jump"]
        == f"redirect to {inner}: not a globally routable address (private, loopback, link-local...; set allow_private to allow)"
    )
    allowed = WebSource(config(site, allow_private=True, **kw))
    assert [d.text for d in allowed.load()] == ["The new location of the old page."]


def test_the_sitemap_passes_the_host_allow_list(site):
    source = WebSource(config(site, allow_private=True, allow_hosts=["docs.example.com"]))
    with pytest.raises(SourceError, match="cannot read sitemap .*not in allow_hosts"):
        source.load()
    assert "/sitemap.xml" not in site.hits


def test_an_endless_robots_txt_is_read_only_up_to_its_cap(site):
    site.streams["/robots.txt"] = ("text/plain", b"# " + b"x" * 4094 + b"\n", 0.0)
    docs = WebSource(config(site)).load()  # ends: at most MAX_ROBOTS_BYTES of robots.txt are read
    assert {d.metadata["title"] for d in docs} >= {"Home", "Install"}
    assert site.sent["/robots.txt"] < 5_000_000  # the client hung up (unbounded, it read 245 MB)


def test_max_seconds_bounds_a_page_that_trickles(site):
    site.streams["/docs/slow"] = ("text/html", b"x", 0.2)
    source = WebSource(config(site, sitemap=None, start_urls=[f"{site.base}/docs/", f"{site.base}/docs/slow"],
                              max_seconds=2, timeout_s=10))  # fmt: skip
    docs = source.load()
    assert "Home" in {d.metadata["title"] for d in docs}
    assert source.report.failed[f"{site.base}/docs/slow"] == "max_seconds (2s) reached while fetching"


def test_a_sitemap_over_max_page_bytes_says_so(site):
    with pytest.raises(SourceError, match=r"sitemap .* is larger than max_page_bytes \(100 bytes\)"):
        WebSource(config(site, max_page_bytes=100)).load()


def test_a_token_in_a_crawled_link_is_never_stored_or_logged(site, caplog):
    links = ["/docs/signed?token=PLANTED-SECRET", "/docs/gone?access_token=PLANTED-SECRET"]
    site.pages["/docs/"] = (200, "text/html", page("Home", "Welcome.", links))
    site.pages["/docs/signed"] = (200, "text/html", page("Signed", "A page behind a signed link."))
    site.pages["/docs/gone"] = (404, "text/html", b"")
    source = WebSource(config(site, sitemap=None, start_urls=[f"{site.base}/docs/"]))
    docs = source.load()
    assert "Signed" in {d.metadata["title"] for d in docs}  # fetched with its real URL
    stored = repr([(d.doc_id, d.metadata) for d in docs])
    assert "PLANTED-SECRET" not in stored and "PLANTED-SECRET" not in caplog.text
    assert "gone?access_token=***" in caplog.text  # the failure is still reported


def test_a_host_that_does_not_resolve_is_refused_before_any_request():
    """The outbound gate fails closed: no resolution, no fetch (".invalid" never resolves, RFC 6761)."""
    source = WebSource(WebSourceConfig(name="w", start_urls=["https://docs.nowhere.invalid/"]))
    assert "does not resolve" in source.allowed("https://docs.nowhere.invalid/")
