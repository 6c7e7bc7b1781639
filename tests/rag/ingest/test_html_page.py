"""Published pages of each generator read as a person reads them: main content, no chrome.

Each page is written here in its generator's markup (class names and structure as the
generators publish them), with the chrome a reader skips around one section of content.
"""

from __future__ import annotations

import logging

import pytest

from rag.ingest.html_page import html_to_markdown
from rag.ingest.sections import parse

CONTENT = (
    "<p>The server listens on port <code>7341</code> unless\n<code>WIDGET_PORT</code> is set.</p>"
    "{h2}"
    "<table><thead><tr><th>setting</th><th>default</th></tr></thead>"
    "<tbody><tr><td>port</td><td>7341</td></tr><tr><td>tls</td><td>off</td></tr></tbody></table>"
)
SPHINX = (  # pydata / sphinx-book-theme, as docs.ray.io publishes
    "<html><head><title>Ports — Widgets 3.0.0.dev0</title></head><body>"
    '<input type="checkbox" aria-label="Toggle navigation sidebar"><label><div class="visually-hidden">'
    "Toggle navigation sidebar</div></label>"
    '<div class="bd-sidebar-primary"><nav class="bd-links"><p class="caption">Widgets 3.0.0.dev0</p><ul><li>'
    '<a href="index.html">Welcome</a></li></ul></nav><div class="theme-by">Theme by the Executable Book Project</div></div>'
    '<div class="header-article"><button title="Toggle in-page Table of Contents">Toggle in-page Table of '
    'Contents</button><a href="https://github.com/w/w/edit/master/ports.rst">suggest edit</a>'
    '<a href="_sources/ports.rst.txt">.rst</a><button>.pdf</button></div>'
    '<main id="main-content" role="main"><div><section id="ports"><span id="id1"></span>'
    '<h1>Ports<a class="headerlink" href="#ports" title="Permalink to this headline">#</a></h1>'
    + CONTENT.format(
        h2='</section><section id="tls-settings"><h2>TLS settings<a class="headerlink" '
        'href="#tls-settings" title="Permalink to this headline">#</a></h2>'
    )
    + '</section></div><div class="prev-next-area"><a href="index.html">previous Welcome</a></div></main>'
    "<footer>By the Widgets authors</footer></body></html>"
)
MKDOCS_MATERIAL = (
    "<html><head><title>Ports - Widgets</title></head><body>"
    '<header class="md-header"><nav class="md-header__inner">Widgets <label>Search</label></nav></header>'
    '<div class="md-container"><main class="md-main"><div class="md-main__inner md-grid">'
    '<div class="md-sidebar md-sidebar--primary"><nav class="md-nav md-nav--primary"><a href="index.md">Home</a>'
    '</nav></div><div class="md-sidebar md-sidebar--secondary"><nav class="md-nav md-nav--secondary">'
    "Table of contents</nav></div>"
    '<div class="md-content" data-md-component="content"><article class="md-content__inner md-typeset">'
    '<a href="https://github.com/w/w/edit/main/docs/ports.md" title="Edit this page" class="md-content__button '
    'md-icon"><svg></svg></a><h1 id="ports">Ports</h1>'
    + CONTENT.format(
        h2='<h2 id="tls-settings">TLS settings<a class="headerlink" href="#tls-settings" '
        'title="Permanent link">&para;</a></h2>'
    )
    + '<aside class="md-source-file">Last update: 2024-01-01</aside></article></div></div></main>'
    '<footer class="md-footer"><nav class="md-footer__inner">Previous Home</nav>'
    '<div class="md-copyright">Made with Material for MkDocs</div></footer></div></body></html>'
)
DOCUSAURUS = (
    "<html><head><title>Ports | Widgets</title></head><body>"
    '<nav class="navbar">Widgets Docs Blog GitHub</nav><div class="main-wrapper"><div class="docPage">'
    '<aside class="theme-doc-sidebar-container"><nav class="menu">Home Ports</nav></aside>'
    '<main class="docMainContainer"><div class="container"><div class="row"><div class="col docItemCol">'
    '<article><nav class="theme-doc-breadcrumbs" aria-label="Breadcrumbs">Home › Ports</nav>'
    '<div class="tocCollapsible theme-doc-toc-mobile"><button>On this page</button></div>'
    '<div class="theme-doc-markdown markdown"><header><h1>Ports</h1></header>'
    + CONTENT.format(
        h2='<h2 class="anchor anchorWithStickyNavbar" id="tls-settings">TLS settings<a '
        'href="#tls-settings" class="hash-link" aria-label="Direct link to TLS settings">\u200b</a></h2>'
    )
    + '</div><footer class="theme-doc-footer"><div class="theme-edit-this-page">Edit this page</div></footer>'
    '</article><nav class="pagination-nav">Previous Home</nav></div>'
    '<div class="col col--3"><div class="tableOfContents theme-doc-toc-desktop">On this page TLS settings</div>'
    '</div></div></div></main></div></div><footer class="footer">Copyright 2024 Widgets</footer></body></html>'
)
GITBOOK = (
    "<html><head><title>Ports | Widgets docs</title></head><body><header>Widgets docs Search Ask AI</header>"
    "<div><aside><nav>Getting started Ports</nav></aside>"
    "<main><header><h1>Ports</h1></header><div>"
    + CONTENT.format(
        h2='<h2 id="tls-settings"><div>TLS settings<a href="#tls-settings" '
        'aria-label="Direct link to heading"><svg></svg></a></div></h2>'
    )
    + '</div><div data-testid="page.navigation">Previous Getting started</div>'
    '<div data-testid="page.footer">Last updated 2 months ago. Was this helpful?</div></main>'
    '<aside data-testid="table-of-contents">On this page</aside></div></body></html>'
)
CHROME = ["Toggle", "Theme by", "suggest edit", ".rst", ".pdf", "3.0.0.dev0", "Search", "Edit this page",
          "Previous", "Last update", "Made with", "Breadcrumbs", "On this page", "Copyright", "Home", "Welcome",
          "#", "¶", "\u200b", "Was this helpful", "Table of contents"]  # fmt: skip


@pytest.mark.parametrize("page", [SPHINX, MKDOCS_MATERIAL, DOCUSAURUS, GITBOOK],
                         ids=["sphinx", "mkdocs-material", "docusaurus", "gitbook"])  # fmt: skip
def test_each_generator_gives_the_main_content_without_its_chrome(page):
    text, title = html_to_markdown(page)
    assert title == "Ports"  # the h1, not the <title> with the site's name
    _, sections = parse(text, "ports.html", title)
    read = "\n".join(" > ".join(s.path) + "\n" + "\n".join(s.blocks) for s in sections)  # what chunks carry
    assert [c for c in CHROME if c in read] == []
    assert [(s.path, s.anchor) for s in sections] == [
        (["Ports"], "ports"),
        (["Ports", "TLS settings"], "tls-settings"),
    ]
    prose, table = sections[0].blocks[0], sections[1].blocks[0]
    assert prose == "The server listens on port `7341` unless `WIDGET_PORT` is set."  # inline stays inline
    assert table == "| setting | default |\n| --- | --- |\n| port | 7341 |\n| tls | off |"


def test_code_blocks_keep_their_lines_and_language():
    docusaurus = ('<main><h1>Run</h1><div class="language-bash"><pre class="prism-code language-bash"><code>'
                  '<span class="token-line">serve --port 7341<br></span><span class="token-line">serve --tls<br>'
                  "</span></code></pre></div></main>")  # fmt: skip
    sphinx = ('<div role="main"><h1>Run</h1><div class="highlight-python3 notranslate"><div class="highlight">'
              "<pre><span></span><span>import</span> <span>ray</span>\n<span>ray</span>.init()\n</pre></div></div></div>")  # fmt: skip
    assert html_to_markdown(docusaurus)[0] == "# Run\n\n```bash\nserve --port 7341\nserve --tls\n```"
    assert html_to_markdown(sphinx)[0] == "# Run\n\n```python\nimport ray\nray.init()\n```"


def test_a_page_without_a_main_element_keeps_its_body_and_drops_navigation():
    text, title = html_to_markdown("<html><head><title>About — Site</title></head><body><nav>Home</nav>"
                                   "<p>Started in Lisbon.</p></body></html>")  # fmt: skip
    assert (text, title) == ("Started in Lisbon.", "About")


def test_empty_and_comment_only_pages_have_no_text():
    assert html_to_markdown("") == ("", None)
    assert html_to_markdown("<!-- nothing -->") == ("", None)


@pytest.mark.parametrize("levels", [300, 1500, 3000])
def test_deeply_nested_content_is_never_dropped_silently(levels, caplog):
    """libxml2 stops at 256 levels and dropped everything; past what Markdown conversion can follow,
    the page is read as plain text with a warning naming it."""
    html = ("<html><body><main>" + "<div>" * levels + "deep text" + "</div>" * levels
            + "<section><h2>After</h2><p>after the nesting</p></section></main></body></html>")  # fmt: skip
    with caplog.at_level(logging.WARNING):
        text, _ = html_to_markdown(html, "docs/deep.html")
    assert "deep text" in text and "after the nesting" in text
    if levels > 1000:
        assert "docs/deep.html: nested" in caplog.text
