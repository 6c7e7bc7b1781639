"""Questions made without an LLM, each labelled with how it was made (``offline/<kind>``).

- ``heading``: a section's heading turned into what a reader asks ("Specifying required resources"
  under "Tasks" -> "How do I specify required resources in Tasks?");
- ``definition``: a sentence that defines a term ("A Dataset is ...") -> "What is a Dataset?";
- ``identifier``: an API name, option or parameter in code quotes -> "What does `ray.wait` do?";
- ``table``: a table row -> "What is the default of `timeout` in Settings?".

Templates, not paraphrase: these questions share words with their pages more than a user's would
(docs/evaluation.md says what that means for trusting them).

>>> from evaluation.generation.passages import SectionPassage
>>> p = SectionPassage("docs/tasks.md", "Tasks", ("Tasks", "Specifying required resources"), "spec",
...                    "A resource group is a set of CPUs and GPUs. Set `num_gpus` in `ray.remote()`.")
>>> [(d.generated_by, d.question) for d in offline_drafts([p])]  # doctest: +NORMALIZE_WHITESPACE
[('offline/heading', 'How do I specify required resources in Tasks?'),
 ('offline/definition', 'What is a resource group?'),
 ('offline/identifier', 'What does `ray.remote()` do?')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evaluation.generation.passages import Draft, SectionPassage

MIN_PROSE = 40  # a section with less text than this answers nothing a question could ask
GENERIC = {
    "overview", "introduction", "examples", "example", "next steps", "see also", "summary", "conclusion",
    "prerequisites", "faq", "contents", "table of contents", "references", "reference", "what's next",
    "learn more", "note", "notes", "tip", "warning", "parameters", "returns", "attributes", "methods",
    "api", "api reference", "changelog", "license", "index", "more", "resources", "related", "abstract",
    "readme", "toc", "home", "welcome", "other", "misc", "miscellaneous", "appendix", "glossary",
}  # fmt: skip
VERBS = {
    "access", "add", "allocate", "allow", "apply", "associate", "attach", "avoid", "give", "link",
    "name", "organize", "understand", "develop", "pick", "reuse", "specify", "keep", "make", "compare",
    "control", "contribute", "automate", "prepare", "package", "parallelize", "query", "improve", "authenticate", "autoscale", "build", "cache", "call", "cancel", "change",
    "check", "choose", "clean", "combine", "configure", "connect", "convert", "create", "customize", "debug",
    "define", "delete", "deploy", "detect", "disable", "enable", "evaluate", "export", "fetch", "filter",
    "find", "fix", "get", "group", "handle", "implement", "import", "increase", "inspect", "install",
    "integrate", "launch", "limit", "list", "load", "log", "manage", "migrate", "monitor", "move", "optimize",
    "orchestrate", "pass", "persist", "profile", "read", "register", "reduce", "remove", "rename", "restart",
    "resume", "retry", "return", "run", "save", "scale", "schedule", "secure", "select", "send", "serve",
    "set", "setup", "share", "shuffle", "split", "start", "stop", "store", "stream", "submit",
    "switch", "sync", "test", "track", "train", "transform", "troubleshoot", "tune", "update", "upgrade",
    "upload", "use", "validate", "version", "view", "visualize", "wait", "work", "write",
}  # fmt: skip
_IDENT = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?|[A-Za-z_]\w*\(\)|[a-z]+(?:_[a-z0-9]+)+"
_QUOTED_IDENT = re.compile(rf"`({_IDENT})`")
_HEADING_IDENT = re.compile(rf"^(?:{_IDENT})$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")  # a file name standing in for a missing title
_PRONOUNS = {
    "this",
    "it",
    "there",
    "that",
    "these",
    "here",
    "which",
    "what",
    "each",
    "every",
    "one",
    "they",
    "below",
    "above",
    "following",
    "next",
    "those",
    "such",
    "another",
    "its",
}
CONTENTS = {"table of contents", "contents", "toc", "index", "site map", "sitemap"}
_NOT_A_TERM = _PRONOUNS | {
    "while", "if", "when", "although", "because", "since", "as", "so", "but", "and", "or", "now", "then",
    "also", "thus", "once", "after", "before", "unless", "whether", "where",
}  # fmt: skip
_FILE = re.compile(r"\.(?:py|ya?ml|json|txt|md|html?|sh|cfg|toml|ini|csv|ipynb)$")
_DEFINITION = re.compile(
    r"(?:^|(?<=[.!?]\s))(?:(An?|The)\s)?([\w`][\w`.\-]*(?: [\w`.\-]+){0,4}) (is|are) (?:an?|the) [^.]{15,200}\."
)


def offline_drafts(passages: list[SectionPassage]) -> list[Draft]:
    """Every offline question the passages give, each passage's in the order listed above."""
    makers = (_heading, _definition, _identifier, _table)
    return [draft for p in passages if len(p.prose) >= MIN_PROSE for make in makers for draft in make(p)]


def _heading(p: SectionPassage) -> Iterator[Draft]:
    heading = clean_heading(p.heading)
    if heading.lower() in GENERIC or not 2 < len(heading) < 90 or _SLUG.match(heading):
        return
    if _HEADING_IDENT.match(heading):
        yield Draft(f"What does `{heading}` do?", p, "offline/identifier", p.prose)
        return
    title = clean_heading(p.title)
    if title.lower() in CONTENTS:  # a table of contents: its headings are other pages' titles
        return
    if re.search(r"\bit\b", heading) and heading != title:  # "How to use it" under "Kubernetes Orchestrator"
        heading = title = re.sub(r"\bit\b", title, heading, count=1)  # the title now in it: no context to add
    question = _as_question(heading)
    if question:
        yield Draft(_in_context(question, heading, title), p, "offline/heading", p.prose)


def clean_heading(heading: str) -> str:
    """A heading without decoration: leading emoji and symbols, a trailing colon.

    >>> clean_heading("🐍 Python Client:")
    'Python Client'
    """
    text = re.sub(r"^[^\w`(]+", "", heading.replace("\u2019", "'"))
    return re.sub(r"^\d+(?:\.\d+)*[.)]?\s+", "", text).strip().rstrip(":").strip()  # "2. What happened?"


def _as_question(heading: str) -> str | None:
    """The question a reader has when they look for this heading (None: too long to be one)."""
    words = heading.split()
    first = words[0].lower()
    if heading.endswith(("...", "…")) or (len(words) < 2 and verb_base(first)):
        return None
    if first == "how" and len(words) > 2 and words[1].lower() == "to":
        return "How do I " + " ".join(words[2:]).rstrip("?") + "?"
    if heading.endswith("?"):
        return heading
    # "Debugging and Monitoring" names a thing; "Debug and solve issues" asks to do one
    gerund_pair = first.endswith("ing") and words[1:2] in (["and"], ["&"])
    base = None if gerund_pair else verb_base(first)
    if base:
        rest = " ".join(words[1:]).replace("your ", "my ").replace("Your ", "my ")
        return f"How do I {base} {rest}?".replace(" ?", "?")
    if len(words) > 8:
        return None
    if first in ("what", "why", "when", "which", "where", "who", "how"):
        return heading + "?"
    head = re.split(r" (?:of|with|for|in|on|to|between|from|and|as|by) ", heading)[0].split()[-1]
    plural = re.search(r"[^su]s$", head) is not None
    return f"What {'are' if plural else 'is'} {heading}?"


def verb_base(word: str) -> str | None:
    """The base form of an imperative or -ing verb a docs heading starts with."""
    if word in VERBS:
        return word
    if word.endswith("ing"):
        stem = word[:-3]
        for base in (stem, stem + "e", stem[:-1], stem[:-1] + "y" if stem.endswith("y") else ""):
            if base in VERBS:
                return base
        if stem.endswith("y") and stem[:-1] + "y" in VERBS:
            return stem[:-1] + "y"
    return None


def _in_context(question: str, heading: str, title: str) -> str:
    """The page's title added when the heading alone does not say what it is about."""
    title_words = {w.lower() for w in re.findall(r"\w{4,}", title)}
    if (
        heading == title
        or title.lower() in heading.lower()
        or heading.endswith("?")  # a heading that is a question already says what it asks
        or _SLUG.match(title)
        or title_words & {w.lower() for w in re.findall(r"\w+", heading)}
    ):
        return question
    return f"{question[:-1]} in {title}?"


def _definition(p: SectionPassage) -> Iterator[Draft]:
    for match in _DEFINITION.finditer(p.prose):
        article, term, verb = match.group(1), match.group(2).strip("`"), match.group(3)
        if _NOT_A_TERM & {w.lower() for w in term.split()} or len(term) < 3:
            continue
        lead = f"{article.lower()} " if article and article.lower() != "the" else ""
        yield Draft(f"What {verb} {lead}{term}?", p, "offline/definition", match.group(0))
        return


def _identifier(p: SectionPassage) -> Iterator[Draft]:
    names = sorted(dict.fromkeys(_QUOTED_IDENT.findall(p.prose)), key=lambda n: "(" not in n and "." not in n)
    for name in names:  # API names before options
        if name == p.heading or _FILE.search(name) or ("(" not in name and "." not in name and len(name) < 6):
            continue
        sentence = next(s for s in re.split(r"(?<=[.!?])\s+", p.prose) if f"`{name}`" in s)
        if "(" in name or "." in name:
            yield Draft(f"What does `{name}` do?", p, "offline/identifier", sentence)
        else:
            yield Draft(f"What is the `{name}` setting for in {p.title}?", p, "offline/identifier", sentence)
        return


def _table(p: SectionPassage) -> Iterator[Draft]:
    for table in p.tables:
        lines = table.splitlines()
        header = _cells(lines[0])
        for row in (_cells(line) for line in lines[2:]):
            if len(header) < 2 or len(row) < 2 or not row[0] or not row[1] or len(row[0]) > 40:
                continue
            column = header[1].lower()
            question = (
                f"What is {row[0]} for, in {p.heading}?"
                if column in ("description", "meaning", "purpose", "details", "explanation", "notes", "")
                else f"What is the {column} of {row[0]} in {p.heading}?"
            )
            yield Draft(question, p, "offline/table", lines[0] + "\n" + " | ".join(row))
            return


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]
