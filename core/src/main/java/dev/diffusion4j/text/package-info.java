/**
 * Prompt encoding for DeepFloyd IF: a T5 encoder session fed by the HuggingFace tokenizer ({@link
 * dev.diffusion4j.text.T5Encoder}), or precomputed embeddings ({@link
 * dev.diffusion4j.text.PromptEmbeddings}), combined by {@link dev.diffusion4j.text.PromptEncoder}.
 *
 * <pre>{@code
 * PromptEmbeddings e = PromptEmbeddings.read(Path.of("models/if/embeddings.safetensors"));
 * Tensor dog = e.get("a photo of a dog");   // [1, 77, 4096]
 * }</pre>
 */
package dev.diffusion4j.text;
