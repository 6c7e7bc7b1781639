"""The whole pipeline on a ZenML S3 artifact store, served by moto on 127.0.0.1: evidence that the
pipeline is stack-agnostic. Every artifact of the run is written to the bucket and loads back."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from zenml.client import Client
from zenml.enums import StackComponentType

from factory.artifacts import load_agent
from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from rag.index.docs_index import DocsIndex
from rag.retrieval.search import retrieve
from tests.helpers import free_port, make_config, serve, write_corpus

pytestmark = pytest.mark.slow
BUCKET = "agent-factory-artifacts"


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory):
    import boto3

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)]
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"  # never ask a cloud metadata endpoint
    with serve(args, f"{url}/moto-api/", tmp_path_factory.mktemp("moto") / "moto.log", timeout_s=30):
        boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)  # fmt: skip
        yield url


@pytest.fixture()
def s3_stack(moto_url):
    client = Client()
    client.create_secret(
        "moto_s3", values={"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    )
    client.create_stack_component(
        name="moto_store", flavor="s3", component_type=StackComponentType.ARTIFACT_STORE,
        configuration={"path": f"s3://{BUCKET}", "key": "{{moto_s3.aws_access_key_id}}",
                       "secret": "{{moto_s3.aws_secret_access_key}}",
                       "client_kwargs": {"endpoint_url": moto_url, "region_name": "us-east-1"}},
    )  # fmt: skip
    client.create_stack(name="moto_stack", components={
        StackComponentType.ORCHESTRATOR: "default", StackComponentType.ARTIFACT_STORE: "moto_store"})  # fmt: skip
    previous = client.active_stack_model.name
    client.activate_stack("moto_stack")
    try:
        yield
    finally:
        client.activate_stack(previous)


def test_full_pipeline_on_an_s3_artifact_store(s3_stack, moto_url, tmp_path, golden_path):
    import boto3

    run = run_build(make_config("s3_agent", write_corpus(tmp_path / "corpus"), golden_path))
    assert run.status == "completed"
    loaded = {}
    for step in Client().get_pipeline_run(run.run_id).steps.values():
        for name, versions in step.outputs.items():
            for artifact in versions:
                assert artifact.uri.startswith(f"s3://{BUCKET}/"), (name, artifact.uri)
                loaded[name] = artifact.load()
    assert {
        "corpus",
        "chunks",
        "docs_index",
        "agent_spec",
        "evaluation",
        "decision",
        "evaluation_report",
    } <= set(loaded)
    index = loaded["docs_index"]
    assert isinstance(index, DocsIndex)
    assert (
        retrieve(index, "Which TCP port does the server listen on?", 1)[0].node.metadata["doc_id"]
        == "docs/ports.rst"
    )
    assert loaded["decision"].stage == "production"
    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing").list_objects_v2(Bucket=BUCKET)["Contents"]]  # fmt: skip
    index_files = {k.rsplit("/", 1)[1] for k in keys if "/docs_index/" in k}
    assert {"manifest.json", "vectors.faiss", "nodes.sqlite"} <= index_files
    session = load_agent("s3_agent", get_version("s3_agent", "production").name)  # read back from the bucket
    assert "7341" in session.ask("Which TCP port does the widget server listen on?").answer
    session.close()
