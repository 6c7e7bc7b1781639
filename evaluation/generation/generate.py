"""Candidates for a golden set from a config's own documents (``agent-factory golden generate``).

With an LLM configured (the judge's, else the agent's when it writes text) each question is written
by it and checked by a critic (llm.py); otherwise, or with ``offline``, the offline makers write
them (offline.py). Either way the questions are spread over the docs tree (spread.py), a share
are refusals (refusals.py), and none repeats another or one of the golden set.

>>> GenerateSettings(max_questions=10, refusal_share=0.2).refusals
2
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter

from pydantic import BaseModel, ConfigDict, Field

from evaluation.generation.candidates import Candidate
from evaluation.generation.llm import Generation, estimate, label, llm_drafts
from evaluation.generation.offline import offline_drafts
from evaluation.generation.passages import Draft, SectionPassage, section_passages
from evaluation.generation.refusals import refusal_drafts
from evaluation.generation.spread import normalized, spread
from evaluation.golden import GoldenQuestion, load_golden
from rag.config import LLMConfig
from rag.providers import LLMS

# A maker's largest share of the offline questions. API-name questions ("What does `x.y` do?") come
# mostly from one-paragraph reference pages and rank search variants unlike real users' questions;
# the cap was chosen on half of each shared set's real questions (benchmarks/RESULTS.md).
OFFLINE_SHARES = {"offline/identifier": 0.1}
LLM_MIN_PROSE = 200  # a passage an LLM writes a question from: a paragraph, not a line
OVERDRAW = 1.5  # passages offered to the LLM per question wanted: the critic drops some


class GenerateSettings(BaseModel):
    """How many questions, how spread, how many refusals; ``offline`` ignores a configured LLM."""

    model_config = ConfigDict(extra="forbid")

    max_questions: int = Field(80, ge=1, le=5000)
    per_page: int = Field(2, ge=1, le=100)
    refusal_share: float = Field(0.1, ge=0, le=0.5)
    max_calls: int | None = Field(None, ge=1)  # LLM calls in all; default: three per question
    offline: bool = False
    seed: int = 0

    @property
    def refusals(self) -> int:
        return round(self.max_questions * self.refusal_share)


class Generated(BaseModel):
    """The candidates and how they were made."""

    candidates: list[Candidate]
    by_maker: dict[str, int]
    folders: dict[str, int]  # top-level folder -> questions pointing into it
    pages: int  # pages with at least one section a question could be made from
    llm: Generation | None = None


def generation_llm(config, settings: GenerateSettings) -> LLMConfig | None:
    """The LLM that writes questions: the judge's, else the agent's if it writes text; None offline."""
    if settings.offline:
        return None
    judge = config.evaluation.judge
    if judge:
        return judge.llm
    return config.llm if LLMS.get(config.llm.provider).generative else None


def generate(config, settings: GenerateSettings) -> Generated:
    """Candidates from `config`'s documents (an AgentConfig), every one marked pending."""
    from rag.ingest.sources import load_documents

    documents = load_documents(config.sources)
    passages = section_passages(documents)
    known = _known_questions(config)
    wanted = settings.max_questions - settings.refusals
    llm_config, report = generation_llm(config, settings), None
    if llm_config:
        report = Generation()
        drafts = _from_llm(config, llm_config, passages, wanted, known, settings, report)
    else:
        drafts = spread(
            offline_drafts(passages), wanted, settings.per_page, known, settings.seed, OFFLINE_SHARES
        )
    corpus = "\n".join(d.text.lower() for d in documents)
    refusals = [d for d in refusal_drafts(passages, corpus, settings.refusals, settings.seed)
                if normalized(d.question) not in known]  # fmt: skip
    chosen = _interleave(drafts, refusals)
    return Generated(
        candidates=[Candidate(question=golden_question(d)) for d in chosen],
        by_maker=dict(Counter(d.generated_by for d in chosen)),
        folders=dict(Counter(d.passage.folder for d in chosen if d.passage)),
        pages=len({p.doc_id for p in passages}),
        llm=report,
    )


def estimate_generation(config, settings: GenerateSettings) -> tuple[str, Generation | None]:
    """What generating would cost (``--dry-run``): the maker's label and its calls and tokens."""
    from rag.ingest.sources import load_documents

    llm_config = generation_llm(config, settings)
    if not llm_config:
        return "offline", None
    passages = _llm_passages(
        section_passages(load_documents(config.sources)), settings.max_questions, settings
    )
    return label(llm_config), estimate(passages, settings.max_questions - settings.refusals)


def _from_llm(config, llm_config: LLMConfig, passages: list[SectionPassage], wanted: int, known: set[str],
              settings: GenerateSettings, report: Generation) -> list[Draft]:  # fmt: skip
    from rag.answer import build_llm
    from rag.usage import UsageMeter

    llm = build_llm(llm_config, None)
    meter = UsageMeter().attach(llm)
    offered = _llm_passages(passages, math.ceil(wanted * OVERDRAW), settings)
    max_calls = settings.max_calls or 3 * settings.max_questions
    with meter.scope("generate"):
        drafts = llm_drafts(llm, label(llm_config), offered, wanted, max_calls, report)
    usage = meter.usage("generate")
    report.prompt_tokens, report.completion_tokens = usage.prompt_tokens, usage.completion_tokens
    return spread(drafts, wanted, settings.per_page, known, settings.seed)


def _llm_passages(
    passages: list[SectionPassage], count: int, settings: GenerateSettings
) -> list[SectionPassage]:
    """`count` passages spread over the tree like questions are (one stands for its passage)."""
    stand_ins = [Draft(f"{p.doc_id}#{p.anchor}#{i}", p, "") for i, p in enumerate(passages)
                 if len(p.prose) >= LLM_MIN_PROSE]  # fmt: skip
    return [d.passage for d in spread(stand_ins, count, settings.per_page, seed=settings.seed) if d.passage]


def _known_questions(config) -> set[str]:
    path = config.evaluation.golden_set
    return {normalized(q.question) for q in load_golden(path).questions} if path and path.exists() else set()


def _interleave(answerable: list[Draft], refusals: list[Draft]) -> list[Draft]:
    """Refusals spread evenly through the list, so a reviewer meets them as the agent will."""
    out, step = list(answerable), max(1, len(answerable) // (len(refusals) + 1))
    for i, refusal in enumerate(refusals):
        out.insert(min(len(out), (i + 1) * step + i), refusal)
    return out


def golden_question(d: Draft) -> GoldenQuestion:
    where = d.passage.doc_id if d.passage else ""
    qid = "gen-" + hashlib.sha256(f"{d.question}\n{where}".encode()).hexdigest()[:10]
    if d.passage is None:
        return GoldenQuestion(id=qid, question=d.question, expect_refusal=True, generated_by=d.generated_by)
    return GoldenQuestion(
        id=qid,
        question=d.question,
        reference_sources=[d.passage.doc_id],
        reference_sections=[d.passage.anchor] if d.passage.anchor else [],
        reference_contexts=[d.evidence or d.passage.prose],
        reference_answer=d.answer,
        generated_by=d.generated_by,
    )
