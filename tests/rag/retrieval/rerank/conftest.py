"""A tiny cross-encoder built here (an ONNX graph and a word-level tokenizer), for the control flow.

No cross-encoder weights ship or download here; this one scores a (question, passage) pair
as the sum of the passage words' weights in ``WEIGHTS`` (unknown words 0), so a test knows
the order a working reranker must produce. It is the shape of a real one: ``input_ids``,
``attention_mask`` and ``token_type_ids`` in, logits (batch, 1) out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

WEIGHTS = {"[UNK]": 0.0, "[CLS]": 0.0, "[SEP]": 0.0, "[PAD]": 0.0, "gasket": 5.0, "spare": 2.0, "widget": 0.5}


def write_cross_encoder(folder: Path, weights: dict[str, float] = WEIGHTS) -> Path:
    import onnx
    from onnx import TensorProto, helper
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {word: i for i, word in enumerate(weights)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    table = np.array(list(weights.values()), dtype=np.float32)
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"])
              for n in ("input_ids", "attention_mask", "token_type_ids")]  # fmt: skip
    nodes = [  # logit = sum over passage tokens (type 1, not padding) of the word's weight
        helper.make_node("Gather", ["table", "input_ids"], ["w"]),
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["token_type_ids"], ["t"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["w", "m"], ["wm"]),
        helper.make_node("Mul", ["wm", "t"], ["wmt"]),
        helper.make_node("ReduceSum", ["wmt", "axes"], ["logits"], keepdims=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cross_encoder", inputs,
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1])],
        initializer=[helper.make_tensor("table", TensorProto.FLOAT, [len(table)], table),
                     helper.make_tensor("axes", TensorProto.INT64, [1], [1])],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by every onnxruntime this project resolves
    onnx.save(model, str(folder / "model.onnx"))
    return folder


@pytest.fixture(scope="session")
def cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cross_encoder(tmp_path_factory.mktemp("cross-encoder"))
