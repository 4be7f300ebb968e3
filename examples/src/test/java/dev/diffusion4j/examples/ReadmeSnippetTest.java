package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * README's snippet and Maven coordinates are what the consumer project (examples/consumer), which
 * CI builds and runs against the installed artifacts, holds.
 */
class ReadmeSnippetTest {

  static Path root() {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("examples/consumer/pom.xml"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no repository root above " + Paths.get("").toAbsolutePath());
    }
    return dir;
  }

  static String between(String text, String from, String to) {
    int start = text.indexOf(from);
    assertThat(start).as("marker " + from).isNotNegative();
    start += from.length();
    int end = text.indexOf(to, start);
    assertThat(end).as("marker " + to).isNotNegative();
    return text.substring(start, end);
  }

  static List<String> dedent(String block, int spaces) {
    String pad = " ".repeat(spaces);
    return block
        .lines()
        .map(l -> l.startsWith(pad) ? l.substring(spaces) : l)
        .collect(Collectors.toList());
  }

  @Test
  void readmeShowsTheConsumersProgram() throws IOException {
    String readme = Files.readString(root().resolve("README.md"));
    String app =
        Files.readString(root().resolve("examples/consumer/src/main/java/com/example/App.java"));
    List<String> shown =
        between(between(readme, "## The API on one screen", "\n## "), "```java\n", "```")
            .lines()
            .collect(Collectors.toList());
    List<String> run = dedent(between(app, "// README: begin\n", "    // README: end"), 4);
    assertThat(shown).isEqualTo(run);
  }

  @Test
  void readmeNamesTheConsumersDependencies() throws IOException {
    String readme = Files.readString(root().resolve("README.md"));
    String pom = Files.readString(root().resolve("examples/consumer/pom.xml"));
    String version =
        between(pom.substring(pom.indexOf("diffusion4j-core</artifactId>")), "<version>", "</");
    assertThat(readme)
        .contains("<groupId>dev.diffusion4j</groupId>")
        .contains("<artifactId>diffusion4j-core</artifactId>")
        .contains("<version>" + version + "</version>")
        .contains("<classifier>models</classifier>");
  }

  /**
   * Maven 3.8's default maven-compiler-plugin (3.1) ignores maven.compiler.release: README and both
   * consumer POMs pin the plugin, at one version.
   */
  @Test
  void readmeAndTheConsumersPinTheCompilerPlugin() throws IOException {
    String readme = Files.readString(root().resolve("README.md"));
    String snippet = between(readme, "<artifactId>maven-compiler-plugin</artifactId>", "</plugin>");
    String version = between(snippet, "<version>", "</version>");
    assertThat(version).matches("3\\.(1[1-9]|[2-9]\\d)\\..*");
    assertThat(readme).contains("<maven.compiler.release>17</maven.compiler.release>");
    for (String pom : List.of("examples/consumer/pom.xml", "examples/consumer/pom-cpu.xml")) {
      String text = Files.readString(root().resolve(pom));
      assertThat(text).as(pom).contains("<maven.compiler.release>17</maven.compiler.release>");
      assertThat(between(text, "<artifactId>maven-compiler-plugin</artifactId>", "</plugin>"))
          .as(pom)
          .contains("<version>" + version + "</version>");
    }
  }
}
