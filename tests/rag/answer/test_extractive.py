from llama_index.core.llms import ChatMessage

from rag.answer import build_llm
from rag.answer.extractive import DONT_KNOW, ExtractiveLLM, condense
from rag.config import LLMConfig

OBSERVATION = (
    "doc_id: docs/ports.rst\ntitle: Network ports\n\nThe widget server listens on TCP port 7341 by default. "
    "Set WIDGET_PORT to use another port.\n\n"
    "doc_id: docs/colors.md\ntitle: Colors\n\nThe default theme colour of the widget dashboard is ultramarine blue."
)


def test_condense_borrows_previous_question_only_for_follow_ups():
    assert condense("Can it be changed?", ["What is the port?"]) == "What is the port? Can it be changed?"
    assert (
        condense("How are backups stored on disk?", ["What is the port?"])
        == "How are backups stored on disk?"
    )
    assert condense("Why?", []) == "Why?"


def test_plans_one_tool_call_with_the_tool_name_from_the_prompt(embed_model):
    llm = ExtractiveLLM(embed_model=embed_model)
    system = ChatMessage(role="system", content="## Tools\n> Tool Name: widget_docs\nTool Description: ...")
    out = llm.chat([system, ChatMessage(role="user", content="Which port?")]).message.content
    assert out.endswith('Action: widget_docs\nAction Input: {"input": "Which port?"}')


def test_answers_with_most_similar_sentence_and_citation(embed_model):
    llm = build_llm(
        LLMConfig(params={"answer": "sentences"}), embed_model
    )  # the default answers with sections
    messages = [
        ChatMessage(role="user", content="Which TCP port does the server use?"),
        ChatMessage(role="user", content=f"Observation: {OBSERVATION}"),
    ]
    out = llm.chat(messages).message.content
    answer = out.split("Answer:", 1)[1]
    assert answer.strip().startswith("The widget server listens on TCP port 7341 by default. [1]")
    assert "[1] docs/ports.rst" in answer and "ultramarine" not in answer


def test_says_it_does_not_know_when_nothing_is_similar(embed_model):
    llm = ExtractiveLLM(embed_model=embed_model)
    messages = [
        ChatMessage(role="user", content="Who painted the Mona Lisa?"),
        ChatMessage(role="user", content=f"Observation: {OBSERVATION}"),
    ]
    assert llm.chat(messages).message.content.endswith(f"Answer: {DONT_KNOW}")


def test_params_come_from_config(embed_model):
    llm = build_llm(LLMConfig(params={"min_similarity": 0.9, "max_sentences": 1}), embed_model)
    assert (llm.min_similarity, llm.max_sentences) == (0.9, 1)


def test_streaming_yields_the_same_text(embed_model):
    llm = ExtractiveLLM(embed_model=embed_model)
    messages = [
        ChatMessage(role="user", content="Which port?"),
        ChatMessage(role="user", content=f"Observation: {OBSERVATION}"),
    ]
    chunks = list(llm.stream_chat(messages))
    assert "".join(c.delta for c in chunks) == llm.chat(messages).message.content


def test_answers_show_clean_text_and_keep_code(embed_model):
    """GitBook and Markdown markup never reaches the reader; an attached code block stays as code."""
    observation = (
        "doc_id: zenml/how-to/secrets.md\ntitle: Secrets\n\n"
        '{% hint style="info" %}\nCreate a secret for OpenAI with the [secret CLI](../reference/cli.md) '
        "as shown below:\n```bash\nzenml secret create openai --api_key=<KEY>\n```\n{% endhint %}\n\n"
        '<figure><img src="../.gitbook/assets/secrets.png" alt=""></figure>\n'
        "| Secret | Use |\n|---|---|\n| openai | the **OpenAI** key for secrets |\n"
    )
    llm = build_llm(LLMConfig(params={"min_similarity": 0.1}), embed_model)
    answer = llm._answer(["How do I create a secret for OpenAI?"], observation)
    assert "Create a secret for OpenAI with the secret CLI as shown below:" in answer
    assert "zenml secret create openai --api_key=<KEY>" in answer  # code kept as code
    for markup in ("](", "{%", "<figure", "<img", "|---", "**"):
        assert markup not in answer, (markup, answer)


def test_section_answers_give_the_best_section_whole_with_its_code_and_heading(embed_model):
    observation = (
        "doc_id: zenml/how-to/secrets.md\ntitle: Secrets\nsection: Secrets > Create a secret\n\n"
        "Create a secret for OpenAI with the CLI:\n\n```bash\nzenml secret create openai \\\n"
        "    --api_key=<KEY>\n```\n\nThen read it in a step with `Client().get_secret`.\n\n"
        "doc_id: zenml/how-to/stacks.md\ntitle: Stacks\nsection: Stacks\n\n"
        "A stack is the set of tools a pipeline runs on.\n\n"
        "doc_id: zenml/how-to/secrets.md\ntitle: Secrets\nsection: Secrets > Create a secret\n\n"
        "Secrets can also be scoped to a user with --scope user."
    )
    llm = build_llm(LLMConfig(params={"answer": "section"}), embed_model)
    answer = llm._answer(["How do I create a ZenML secret for OpenAI?"], observation).split("Answer: ", 1)[1]
    assert answer.startswith("Secrets > Create a secret\n\nCreate a secret for OpenAI with the CLI:")
    assert "```bash\nzenml secret create openai \\\n    --api_key=<KEY>\n```" in answer  # whole, verbatim
    assert answer.index("Client().get_secret") < answer.index("--scope user")  # same section, in order
    assert "A stack is" not in answer and answer.endswith("Sources:\n[1] zenml/how-to/secrets.md")
    unknown = llm._answer(["What is the airspeed of a swallow?"], observation)
    assert DONT_KNOW in unknown  # the calibrated threshold still says "I don't know"


def test_section_answers_lead_with_the_top_passage_unless_another_is_clearly_closer(embed_model):
    top = "doc_id: docs/backups.md\ntitle: Backups\nsection: Backups\n\nBackups are written every night at 02:00.\n\n"
    other = "doc_id: docs/faq.md\ntitle: FAQ\nsection: FAQ\n\nThe nightly backups are written at 02:00 each night.\n\n"
    llm = build_llm(LLMConfig(params={"answer": "section"}), embed_model)
    asked = ["When are the nightly backups written?"]
    assert llm._answer(asked, top + other).endswith(
        "[1] docs/backups.md"
    )  # the search's order wins a near tie
    far = (
        "doc_id: docs/colors.md\ntitle: Colors\nsection: Colors\n\nThe dashboard's theme colour is blue.\n\n"
    )
    assert llm._answer(asked, far + other).endswith(
        "[1] docs/faq.md"
    )  # a clearly better sentence elsewhere wins
