import os
import subprocess
import sys


def test_start_up_sets_offline_defaults_without_overriding_the_user():
    code = "import os; from factory.bootstrap import bootstrap; bootstrap(); print(os.environ['RAGAS_DO_NOT_TRACK'], os.environ['ZENML_ANALYTICS_OPT_IN'], os.environ['HF_HUB_OFFLINE'], os.path.isdir(os.environ['TIKTOKEN_CACHE_DIR']))"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RAGAS_DO_NOT_TRACK", "ZENML_ANALYTICS_OPT_IN", "HF_HUB_OFFLINE", "TIKTOKEN_CACHE_DIR")
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["true", "false", "1", "True"]
    env["HF_HUB_OFFLINE"] = "0"  # a user's own choice wins
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[2] == "0"


def test_onnxruntime_keeps_no_telemetry_store_in_the_home_folder(tmp_path):
    """onnxruntime 1.32 writes a device id and an event database under ~/.cache/Microsoft unless told not to."""
    model = tmp_path / "identity.onnx"
    code = (
        "import sys\n"
        "from rag.offline import apply_offline_defaults\n"
        "apply_offline_defaults()  # what bootstrap() and every model load do first\n"
        "import onnx, onnxruntime\n"
        "from onnx import TensorProto, helper\n"
        "io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in 'xy']\n"
        "graph = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'g', io[:1], io[1:])\n"
        "onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)]), sys.argv[1])\n"
        "onnxruntime.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    env["HOME"] = str(tmp_path / "home")
    subprocess.run([sys.executable, "-c", code, str(model)], env=env, check=True, timeout=120)
    assert not (tmp_path / "home" / ".cache").exists()
