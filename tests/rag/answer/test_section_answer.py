"""Section answers through the extractive answerer, with the real packaged embedding model."""

import numpy as np

from rag.answer import build_llm
from rag.answer.extractive import DONT_KNOW
from rag.answer.passages import parse_observation
from rag.answer.section_answer import compose, lexical_scores, units
from rag.config import LLMConfig

CONFIG = (
    "doc_id: docs/deploy.md\ntitle: Deploy\nsection: Deploy > Database\n\n"
    "If you already have a database, fill in the fields below and pass the file to the deploy command.\n\n"
    "```yaml\n# Verify the database server's SSL certificate.\ndatabase_ssl_verify_server_cert: true\n"
    "database_ssl_ca: /path/to/ca.pem\n```\n\n"
)


def answer(embed_model, observation: str, question: str, **params) -> str:
    llm = build_llm(LLMConfig(params={"answer": "section", **params}), embed_model)
    return llm._answer([question, question], observation)


def test_a_question_only_code_answers_gets_that_code_not_i_dont_know(embed_model):
    reply = answer(embed_model, CONFIG, "Is it necessary to verify the database server SSL certificate?")
    assert DONT_KNOW not in reply
    assert "database_ssl_verify_server_cert: true" in reply
    assert DONT_KNOW in answer(embed_model, CONFIG, "What is the airspeed of an unladen swallow?")


def test_exact_names_score_by_rarity_and_plain_words_score_nothing():
    texts = ["describe the connector", "describe azure-implicit", "the azure-implicit and `aws` types"]
    scores = lexical_scores("How do I describe 'azure-implicit' with the `aws` type?", texts)
    assert scores.argmax() == 2 and scores[2] == 1.0  # both names
    assert 0 < scores[1] < 1 and scores[0] == 0  # one name; "describe" is a plain word
    assert not lexical_scores("How do I describe the connector?", texts).any()


def test_other_retrieved_sections_of_the_same_page_follow_under_their_heading(embed_model):
    observation = (
        "doc_id: docs/azureml.md\ntitle: AzureML\nsection: AzureML\n\n"
        "AzureML offers compute instances to run your training jobs on GPUs.\n\n"
        "doc_id: docs/other.md\ntitle: Other\nsection: Other\n\n"
        "Step operators run single steps of a pipeline on remote compute.\n\n"
        "doc_id: docs/azureml.md\ntitle: AzureML\nsection: AzureML > How to use it\n\n"
        "Register the step operator and use it in a step:\n\n"
        '```python\n@step(step_operator="azureml")\ndef trainer() -> None: ...\n```\n\n'
    )
    reply = answer(
        embed_model,
        observation,
        "How do you run individual steps on AzureML compute instances?",
        max_chars=600,
    )
    body = reply.split("Answer: ", 1)[1]
    assert body.startswith("AzureML\n\nAzureML offers compute instances")
    assert "\n\nHow to use it\n\nRegister the step operator" in body  # heading path below the page title
    assert '@step(step_operator="azureml")' in body
    assert "remote compute" not in body and body.endswith("Sources:\n[1] docs/azureml.md")


def test_compose_keeps_within_the_budget_and_shows_each_section_once():
    page = "doc_id: d.md\ntitle: D\nsection: D > {}\n\n{}\n\n"
    text = "A sentence that is long enough to count as one. " * 12
    passages = parse_observation(
        page.format("One", text) + page.format("Two", text) + page.format("Two", text + " More.")
    )
    candidates = [(p, u) for p in passages for u in units(p)]
    scores = np.linspace(1, 0, len(candidates))
    for budget in (300, 800, 2000):
        composed = compose(candidates, scores, lead=0, budget=budget)
        assert len(composed) <= budget + len("D > One\n\n")
        assert composed.count("\n\nTwo\n\n") <= 1


def test_a_heading_that_says_what_the_section_answers_wins_over_a_page_quoting_the_question(embed_model):
    observation = (
        "doc_id: docs/chat.md\ntitle: Chat\nsection: Chat > From the command line\n\n"
        '`widgetctl ask "How do I install the widget server?"` asks one question and prints the answer.\n\n'
        "`widgetctl chat` starts an interactive conversation with the widget server.\n\n"
        "doc_id: docs/install.md\ntitle: Installing the widget server\n"
        "section: Installing the widget server > Install into a virtual environment\n\n"
        "Create a virtual environment first, then add the package with its extras:\n\n"
        "```bash\npython3.11 -m venv .venv\n.venv/bin/pip install widgets\n```\n\n"
    )
    reply = answer(embed_model, observation, "How do I install the widget server?")
    assert reply.split("Answer: ", 1)[1].startswith("Installing the widget server > Install into a virtual")
    assert ".venv/bin/pip install widgets" in reply and reply.endswith("[1] docs/install.md")


def test_a_heading_that_is_the_question_leads_to_its_section(embed_model):
    observation = (
        "doc_id: docs/guide.md\ntitle: Guide\nsection: Guide > Accounts\n\n"
        "Accounts hold your settings. Each account has an owner and a password.\n\n"
        "doc_id: docs/faq.md\ntitle: FAQ\nsection: FAQ > How do I reset my password?\n\n"
        "Open Settings, choose Security and click Reset; a link arrives by mail.\n\n"
    )
    reply = answer(embed_model, observation, "How do I reset my password?")
    assert "click Reset" in reply and reply.endswith("[1] docs/faq.md")
