"""Precomputes T5 prompt embeddings into a safetensors file, so that the library runs without the 10 GB encoder.

    pip install "transformers>=4.38" sentencepiece torch
    python onnx-export/if/precompute_embeddings.py --repo DeepFloyd/IF-I-XL-v1.0 --out models/if/embeddings.safetensors
    python onnx-export/if/precompute_embeddings.py --prompts my_prompts.txt --out ...   # one prompt per line
    python onnx-export/if/precompute_embeddings.py --repo /data/IF-I-XL-v1.0 --out ...  # a local copy, offline

``--repo`` takes a HuggingFace repository or a local folder in its layout (``tokenizer/``, ``text_encoder/``). The
encoder runs in float16 on a GPU and in float32 on the CPU (torch has no float16 matmul there); the embeddings are
stored in float16 either way.

Default prompts: the study's 14 (SPEC section 13), the empty prompt included (the unconditional pass needs it).
Each prompt is tokenized as IF does (padding and truncation to 77, attention mask), encoded, and stored as a float16
[77, 4096] tensor named ``prompt_<i>``; the metadata entry of the same name holds the prompt text.
"""

import argparse
import os

import torch

import safetensors_io

STUDY_PROMPTS = [
    "an oil painting of a snowy mountain village", "a photo of the amalfi cost", "a photo of a man",
    "a photo of a hipster barista", "a photo of a dog", "an oil painting of people around a campfire",
    "an oil painting of an old man", "a lithograph of waterfalls", "a lithograph of a skull", "a man wearing a hat",
    "a high quality photo", "a rocket ship", "a pencil", "",
]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repo", default="DeepFloyd/IF-I-XL-v1.0", help="a HuggingFace repository or a local folder")
    p.add_argument("--prompts", help="a text file, one prompt per line (default: the study's 14)")
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args()
    from transformers import T5EncoderModel, T5TokenizerFast

    prompts = STUDY_PROMPTS
    if args.prompts:
        with open(args.prompts) as f:
            prompts = [line.rstrip("\n") for line in f]
        if "" not in prompts:
            prompts.append("")
    local = {"local_files_only": True} if os.path.isdir(args.repo) else {}
    half = args.device.startswith("cuda")
    tokenizer = T5TokenizerFast.from_pretrained(args.repo, subfolder="tokenizer", **local)
    t5 = T5EncoderModel.from_pretrained(args.repo, subfolder="text_encoder",
                                        torch_dtype=torch.float16 if half else torch.float32,
                                        **({"variant": "fp16"} if half else {}), **local).to(args.device).eval()
    tensors, meta = {}, {}
    with torch.no_grad():
        for i, prompt in enumerate(prompts):
            enc = tokenizer([prompt], padding="max_length", max_length=77, truncation=True, return_tensors="pt")
            out = t5(input_ids=enc.input_ids.to(args.device), attention_mask=enc.attention_mask.to(args.device))
            tensors[f"prompt_{i}"] = out.last_hidden_state[0].float().cpu().numpy().astype("float16")
            meta[f"prompt_{i}"] = prompt
    safetensors_io.save(args.out, tensors, metadata=meta)
    print(f"wrote {len(prompts)} embeddings to {args.out}")


if __name__ == "__main__":
    main()
