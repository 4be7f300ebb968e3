package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistDenoiser;
import dev.diffusion4j.model.ModelSource;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped models open from the classpath (the models jar), from bytes, streams and URLs. */
class MnistModelsTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);

  @TempDir Path tmp;

  @Test
  void theClassModelOpensFromTheClasspathWithNoArgument() throws Exception {
    assertThat(MnistModels.available()).isTrue();
    try (Diffusion diffusion = Diffusion.mnist()) {
      assertThat(diffusion.encoder()).isNotNull();
      Generation g = diffusion.pipeline().label(7).steps(3).samples(2).seed(1).generate();
      assertThat(g.valueRange()).isEqualTo(ValueRange.ZERO_TO_ONE);
      List<Path> files = g.save(tmp.resolve("sevens"));
      assertThat(files)
          .containsExactly(tmp.resolve("sevens/sample-0.png"), tmp.resolve("sevens/sample-1.png"));
      BufferedImage read = ImageIO.read(files.get(1).toFile());
      assertThat(read.getWidth()).isEqualTo(28);
      assertThat(read.getRGB(3, 5)).isEqualTo(g.image(1).getRGB(3, 5));
      assertThat(g.save(tmp, "seven-%02d.jpg").get(0).getFileName().toString())
          .isEqualTo("seven-00.jpg");
    }
  }

  @Test
  void theOtherModelsOpenByName() {
    try (Diffusion time = MnistModels.time()) {
      assertThat(time.encoder()).isNull();
      assertThat(time.toString()).contains(MnistModels.DEFAULT_TIME);
    }
    try (Diffusion old = MnistModels.open("class-epoch5", CPU)) {
      assertThat(old.encoder()).isNotNull();
    }
    try (MnistDenoiser d = MnistModels.denoiser()) {
      assertThat(d.denoise(Tensor.zeros(1, 1, 28, 28)).shape()).containsExactly(1, 1, 28, 28);
    }
    assertThat(MnistModels.card("class-epoch20")).contains("\"kind\": \"class\"");
  }

  @Test
  void anUnknownOrMisplacedNameListsTheShippedModels() {
    assertThatThrownBy(() -> MnistModels.open("class-epoch7"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name must be one of the shipped MNIST models [class-epoch20,")
        .hasMessageEndingWith("but is: class-epoch7");
    assertThatThrownBy(() -> MnistModels.open("denoiser-epoch10"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MnistModels.denoiser(name, settings)");
    assertThatThrownBy(() -> MnistModels.denoiser("time-epoch5", CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name must be a denoiser");
  }

  @Test
  void aModelOpensFromAFileBytesAStreamOrAUrlAlike() throws Exception {
    Path file = TestData.path("models/contract/class-d4.onnx");
    byte[] bytes = Files.readAllBytes(file);
    Tensor expected;
    try (Diffusion d = Diffusion.mnist(file, CPU)) {
      expected = d.pipeline().label(3).steps(2).seed(5).generate().images();
    }
    for (ModelSource source :
        List.of(
            ModelSource.of(bytes, "class-d4"),
            ModelSource.of(new ByteArrayInputStream(bytes), "class-d4"),
            ModelSource.of(file.toUri().toURL()))) {
      try (Diffusion d = Diffusion.mnist(source, CPU)) {
        assertThat(d.pipeline().label(3).steps(2).seed(5).generate().images()).isEqualTo(expected);
      }
    }
    assertThatThrownBy(() -> Diffusion.mnist(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("model bytes is not a valid ONNX model");
  }

  @Test
  void theLibraryKnowsItsOwnCoordinatesForMessages() {
    assertThat(MnistModels.coordinates()).matches("dev\\.diffusion4j:diffusion4j-core:\\d+\\..+");
  }

  @Test
  void aPatternWithoutTheIndexIsRefused() {
    try (Diffusion d = Diffusion.mnist(TestData.path("models/contract/class-d4.onnx"), CPU)) {
      Generation g = d.pipeline().label(3).steps(1).samples(2).seed(5).generate();
      assertThatThrownBy(() -> g.save(tmp, "same.png"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("pattern must contain the sample index (e.g. %d), but is: same.png");
      assertThatThrownBy(() -> g.save(tmp, "x-%s-%d.png"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("pattern must be a format with one integer");
    }
  }
}
