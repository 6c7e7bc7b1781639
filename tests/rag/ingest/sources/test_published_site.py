"""A slice of a real published site (Ray's Sphinx docs, ../shared/datasets) read two ways.

Served by ``http.server`` on 127.0.0.1 and crawled by the web source, and read from disk by
the directory source: the same pages give the same text and title, and the deep links point
at the published page's sections.
"""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.config import ChunkingConfig
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources.directory import DirectorySource, DirectorySourceConfig
from rag.ingest.sources.web import WebSource, WebSourceConfig
from tests.helpers import DATASETS, needs_datasets

pytestmark = needs_datasets
PAGES = ["data/transforming-data.html", "serve/scaling-and-resource-allocation.html", "ray-core/tasks.html",
         "cluster/getting-started.html", "ray-more-libs/ray-collective.html"]  # fmt: skip


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The slice under <tmp>/site/en/master/, a sitemap, and a server for it on 127.0.0.1."""
    root = tmp_path_factory.mktemp("site")
    docs = root / "en" / "master"
    for page in PAGES:
        (docs / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATASETS / "ray-docs" / page, docs / page)
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/en/master"
    urls = "".join(f"<url><loc>{base}/{page}</loc></url>" for page in PAGES)
    (root / "sitemap.xml").write_text(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    yield docs, base
    server.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_the_web_source_and_the_directory_source_read_the_same_pages_alike(published):
    folder, base = published
    crawled = WebSource(WebSourceConfig(name="ray", sitemap=base.rsplit("/en/", 1)[0] + "/sitemap.xml",
                                        allow_private=True, max_depth=0, respect_robots=False)).load()  # fmt: skip
    read = DirectorySource(DirectorySourceConfig(name="ray", path=folder, base_url=base)).load()
    by_url = {d.metadata["url"]: d for d in crawled}
    assert sorted(by_url) == sorted(d.metadata["url"] for d in read) == sorted(f"{base}/{p}" for p in PAGES)
    for doc in read:
        twin = by_url[doc.metadata["url"]]
        assert (twin.text, twin.metadata["title"]) == (doc.text, doc.metadata["title"])
        assert (
            "Toggle navigation sidebar" not in doc.text
            and "Theme by the Executable Book Project" not in doc.text
        )


def test_chunks_link_the_published_section(published):
    folder, base = published
    read = DirectorySource(
        DirectorySourceConfig(name="ray", path=folder, base_url=base, include=[PAGES[0]])
    ).load()
    nodes = chunk_documents(read, ChunkingConfig())
    links = {n.metadata["url"] for n in nodes}
    assert (
        f"{base}/data/transforming-data.html#configuring-batch-format" in links
    )  # the question's own anchor
    batch = next(n for n in nodes if n.metadata["url"].endswith("#configuring-batch-format"))
    assert batch.metadata["section"] == "Transforming Data > Transforming batches > Configuring batch format"
    assert batch.metadata["anchors"].split()[-1] == "configuring-batch-format"
