"""Exports IF's T5 v1.1 XXL text encoder to ONNX and writes the tokenizer.json the library's DJL tokenizer reads.

    pip install "transformers>=4.38" sentencepiece protobuf onnx torch
    python onnx-export/if/export_t5.py --repo DeepFloyd/IF-I-XL-v1.0 --out models/if
    python onnx-export/if/export_t5.py --repo /data/IF-I-XL-v1.0 --out models/if     # a local copy, offline

``--repo`` takes a HuggingFace repository or a local folder in its layout (``tokenizer/``, ``text_encoder/``); a
folder is read with ``local_files_only``. The encoder is always exported in float32 (the export runs on a CPU-only
machine); ``--dtype fp16`` then stores its weights in float16 and casts them back inside the graph, the arithmetic
and the ``last_hidden_state`` output staying float32 (T5 v1.1 overflows in float16 arithmetic).

The IF repositories ship only ``spiece.model`` (SentencePiece); the fast T5 tokenizer of transformers converts it to
``tokenizer.json`` (a Unigram model). Writes ``text_encoder.onnx`` (``input_ids`` int64 [B, 77], ``attention_mask``
int64 [B, 77] -> ``last_hidden_state`` [B, 77, 4096]; about 9.5 GB in fp16, as external data) and
``tokenizer.json``. Without this encoder the library still runs every prompt that ``precompute_embeddings.py`` put in
``embeddings.safetensors``.
"""

import argparse
import os
import shutil
import tempfile

import torch


class Encoder(torch.nn.Module):
    def __init__(self, t5):
        super().__init__()
        self.t5 = t5

    def forward(self, input_ids, attention_mask):
        return self.t5(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def pinned_exporter():
    """TorchScript, where torch (>= 2.9 defaults to dynamo) offers the choice."""
    import inspect

    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def float16_weights(model):
    """Stores every float32 initializer as float16, cast back to float32 where it is used."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph, casts, inits = model.graph, [], []
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT:
            half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "__fp16")
            inits.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
        else:
            inits.append(init)
    del graph.initializer[:]
    graph.initializer.extend(inits)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repo", default="DeepFloyd/IF-I-XL-v1.0", help="a HuggingFace repository or a local folder")
    p.add_argument("--out", required=True)
    p.add_argument("--dtype", choices=["fp16", "fp32"], default="fp16")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args()
    from transformers import T5EncoderModel, T5TokenizerFast

    os.makedirs(args.out, exist_ok=True)
    local = {"local_files_only": True} if os.path.isdir(args.repo) else {}
    tokenizer = T5TokenizerFast.from_pretrained(args.repo, subfolder="tokenizer", **local)
    tokenizer.backend_tokenizer.save(os.path.join(args.out, "tokenizer.json"))
    t5 = T5EncoderModel.from_pretrained(args.repo, subfolder="text_encoder", torch_dtype=torch.float32,
                                        **local).to(args.device).eval()
    enc = tokenizer(["a photo of a dog", ""], padding="max_length", max_length=77, truncation=True,
                    return_tensors="pt")
    path = os.path.join(args.out, "text_encoder.onnx")
    tmp = tempfile.mkdtemp(prefix="export_t5_")
    try:
        raw = os.path.join(tmp, "text_encoder.onnx")
        with torch.no_grad():
            torch.onnx.export(Encoder(t5), (enc.input_ids.to(args.device), enc.attention_mask.to(args.device)), raw,
                              input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                              dynamic_axes={"input_ids": {0: "batch"}, "attention_mask": {0: "batch"},
                                            "last_hidden_state": {0: "batch"}}, opset_version=17,
                              **pinned_exporter())
        import onnx

        model = onnx.load(raw, load_external_data=True)
        if args.dtype == "fp16":
            model = float16_weights(model)
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="text_encoder.onnx.data", size_threshold=1024)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("wrote", path, "and tokenizer.json")


if __name__ == "__main__":
    main()
