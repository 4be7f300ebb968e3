package dev.diffusion4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextEncodingTest {

  static final Path DIR = TestData.path("models/tiny-if");
  static final SessionSettings CPU = SessionSettings.on(Device.cpu());

  @TempDir Path tmp;

  @Test
  void tokenizerAndEncoderMatchTheReference() {
    Safetensors ref = Safetensors.read(DIR.resolve("reference.safetensors"));
    try (T5Encoder t5 =
        T5Encoder.open(DIR.resolve("tokenizer.json"), DIR.resolve("text_encoder.onnx"), CPU)) {
      String[] prompts = {"a photo of a dog", "a man wearing a hat"};
      for (int i = 0; i < prompts.length; i++) {
        long[][] tok = t5.tokenize(prompts[i]);
        float[] expected = ref.get("tokens_" + i).data();
        long[] ids = new long[expected.length];
        for (int k = 0; k < ids.length; k++) {
          ids[k] = (long) expected[k];
        }
        assertThat(tok[0]).containsExactly(ids);
        assertThat(Arrays.stream(tok[1]).sum()).isEqualTo(prompts[i].split(" ").length + 1);
        Tensor emb = t5.encode(prompts[i]);
        assertThat(emb.shape()).containsExactly(1, 77, 4096);
        TestData.assertClose(emb.reshape(77, 4096), ref.get("encoder_" + i), 1e-5);
        assertThat(t5.encode(prompts[i])).isSameAs(emb); // cached
      }
    }
  }

  @Test
  void aPromptLongerThan77TokensIsTruncatedToEndWithTheEosToken() {
    try (T5Encoder t5 =
        T5Encoder.open(DIR.resolve("tokenizer.json"), DIR.resolve("text_encoder.onnx"), CPU)) {
      String longPrompt = "a photo of a dog ".repeat(30).trim();
      long[][] tok = t5.tokenize(longPrompt);
      assertThat(tok[0]).hasSize(77);
      assertThat(tok[0][76]).isEqualTo(1L); // </s>
      assertThat(Arrays.stream(tok[1]).sum()).isEqualTo(77);
      assertThat(t5.encode(longPrompt).shape()).containsExactly(1, 77, 4096);
    }
  }

  @Test
  void malformedOrForeignTokenizerFilesAreRefusedBeforeTheNativeLibrary() throws Exception {
    Path notJson =
        Files.writeString(tmp.resolve("broken.json"), "{\"model\": {\"type\": \"Unigram\", ");
    assertThatThrownBy(() -> T5Encoder.openTokenizer(notJson))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("broken.json is not a valid T5 tokenizer: it is not valid JSON");
    Path bpe =
        Files.writeString(
            tmp.resolve("bpe.json"),
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}");
    assertThatThrownBy(() -> T5Encoder.openTokenizer(bpe))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model.type is BPE, but a T5 tokenizer has a Unigram model");
    Path badVocab =
        Files.writeString(
            tmp.resolve("vocab.json"),
            "{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<pad>\", 0.0], [\"</s>\"]]}}");
    assertThatThrownBy(() -> T5Encoder.openTokenizer(badVocab))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model.vocab[1] is not a [piece, score] pair");
    Path noPad =
        Files.writeString(
            tmp.resolve("nopad.json"),
            "{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"</s>\", 0.0], [\"a\", -1.0]]}}");
    assertThatThrownBy(() -> T5Encoder.openTokenizer(noPad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<pad> at id 0");
    Path array = Files.writeString(tmp.resolve("array.json"), "[1, 2, 3]");
    assertThatThrownBy(() -> T5Encoder.openTokenizer(array))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("it is not a JSON object");
  }

  @Test
  void embeddingsOfTheWrongShapeAreRefusedNamingThePrompt() throws Exception {
    Path file = tmp.resolve("bad.safetensors");
    writeSafetensors(file, "prompt_0", "a pencil", new int[] {10, 4096});
    assertThatThrownBy(() -> PromptEmbeddings.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "the embedding of \"a pencil\" must have shape [77, 4096], but has shape: [10, 4096]");
    Path garbage = Files.write(tmp.resolve("garbage.safetensors"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> PromptEmbeddings.read(garbage))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("garbage.safetensors");
  }

  @Test
  void embeddingsFileHoldsTheStudysFourteenPrompts() {
    PromptEmbeddings e = PromptEmbeddings.read(DIR.resolve("embeddings.safetensors"));
    assertThat(e.prompts())
        .hasSize(14)
        .contains("", "a rocket ship", "an oil painting of an old man");
    assertThat(e.get("a pencil").shape()).containsExactly(1, 77, 4096);
  }

  static void writeSafetensors(Path file, String name, String prompt, int[] shape)
      throws Exception {
    int count = 1;
    for (int d : shape) {
      count *= d;
    }
    String header =
        "{\"__metadata__\":{\""
            + name
            + "\":\""
            + prompt
            + "\"},\""
            + name
            + "\":{\"dtype\":\"F32\",\"shape\":"
            + Arrays.toString(shape)
            + ",\"data_offsets\":[0,"
            + 4 * count
            + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 4 * count).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(h.length).put(h);
    Files.write(file, buf.array());
  }
}
