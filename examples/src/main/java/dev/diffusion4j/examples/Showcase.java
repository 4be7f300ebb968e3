package dev.diffusion4j.examples;

import dev.diffusion4j.model.SessionSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The main job: runs every section of the write-up on the models in {@code testdata/} and writes a
 * gallery, {@code DIR/index.html}, with one section per technique in the write-up's order.
 */
@Command(
    name = "showcase",
    mixinStandardHelpOptions = true,
    description = "Runs every section of the write-up and writes DIR/index.html.")
final class Showcase implements Callable<Integer> {

  @Mixin RunOptions run = new RunOptions();

  @Option(
      names = "--if-models",
      description = "A DeepFloyd IF models folder: adds part A's sections on IF, and stage II.")
  Path ifModels;

  @Option(names = "--image", description = "The IF test image (default: a drawn scene).")
  Path image;

  @Option(
      names = "--sample-steps",
      defaultValue = "100",
      description =
          "DDPM steps for part B's sample grids (default ${DEFAULT-VALUE}; 300 is the full chain).")
  int sampleSteps;

  /** The sections in the write-up's order, with part A on IF first when IF models are given. */
  static List<Section> sections(int sampleSteps, Path ifModels, Path image) {
    List<Section> all = new ArrayList<>();
    if (ifModels != null) {
      for (Section s : sections(sampleSteps)) {
        if (s instanceof PartASections.Technique t) {
          t.ifModels = ifModels;
          t.image = image;
          all.add(t);
        }
      }
      PartAIllusions.Upscale up = new PartAIllusions.Upscale();
      up.ifModels = ifModels;
      all.add(up);
    }
    all.addAll(sections(sampleSteps));
    return all;
  }

  /** The MNIST sections in the write-up's order. */
  static List<Section> sections(int sampleSteps) {
    PartBSections.TimeSamples time = new PartBSections.TimeSamples();
    time.steps = sampleSteps;
    PartBSections.ClassSamples cls = new PartBSections.ClassSamples();
    cls.steps = sampleSteps;
    PartBSections.Gif gif = new PartBSections.Gif();
    gif.steps = sampleSteps;
    return List.of(
        new PartASections.Forward(),
        new PartASections.Blur(),
        new PartASections.OneStep(),
        new PartASections.Iterative(),
        new PartASections.Sampling(),
        new PartAEdits.SdEdit(),
        new PartAEdits.Inpaint(),
        new PartAEdits.Translate(),
        new PartAIllusions.Anagram(),
        new PartAIllusions.Hybrid(),
        new IllusionGallery(),
        new PartBSections.Noising(),
        new PartBSections.Denoise(),
        new PartBSections.OutOfDistribution(),
        time,
        cls,
        gif,
        new PartBSamplers.Samplers());
  }

  @Override
  public Integer call() {
    if (sampleSteps < 1 || sampleSteps > 300) {
      throw new IllegalArgumentException(
          "sample-steps must be in [1, 300], but is: " + sampleSteps);
    }
    if (image != null && ifModels == null) {
      throw new IllegalArgumentException(
          "--image is the test image of the IF sections and needs --if-models DIR; the MNIST"
              + " sections start from the held-out digits");
    }
    SessionSettings settings = run.settings();
    Support.prepareOutput(run.out);
    List<Section> sections = sections(sampleSteps, ifModels, image);
    StringBuilder body = new StringBuilder();
    String part = "";
    long started = System.nanoTime();
    for (int i = 0; i < sections.size(); i++) {
      Section s = sections.get(i);
      String id = String.format(Locale.ROOT, "%02d", i + 1);
      // the section's progress follows in the one style (in place on a terminal, a line per
      // tenth of each run when piped), labelled with its title
      System.err.printf(Locale.ROOT, "[%d/%d] %s%n", i + 1, sections.size(), s.title());
      long t0 = System.nanoTime();
      Path dir = run.out.resolve(id);
      Context ctx = run.context(dir, settings);
      ctx.label = s.title();
      List<Figure> figures = s.render(ctx);
      double secs = (System.nanoTime() - t0) / 1e9;
      System.err.printf(
          Locale.ROOT, "[%d/%d] %s: %.1f s%n", i + 1, sections.size(), s.title(), secs);
      if (!s.part().equals(part)) {
        part = s.part();
        body.append(
            switch (part) {
              case "IF" ->
                  "<h1>Part A &middot; on DeepFloyd IF</h1>\n<p class=lead>The write-up's techniques"
                      + " on the IF models in <code>"
                      + esc(String.valueOf(ifModels))
                      + "</code>, with the write-up's prompts and settings.</p>\n";
              case "A" ->
                  "<h1>Part A &middot; the techniques, on the class-conditioned MNIST UNet</h1>\n"
                      + "<p class=lead>Every technique of part A, run by the library on part B's"
                      + " class-conditioned UNet with a digit as the condition and the write-up's"
                      + " settings rescaled from T = 1000 to T = 300.</p>\n";
              default -> "<h1>Part B &middot; UNets trained from scratch on MNIST</h1>\n";
            });
      }
      body.append("<section id=s")
          .append(id)
          .append(">\n<h2>")
          .append(esc(s.title()))
          .append("</h2>\n<p>")
          .append(esc(s.description()))
          .append("</p>\n");
      for (Figure f : figures) {
        body.append("<figure><img src=\"")
            .append(id)
            .append('/')
            .append(f.file())
            .append("\" alt=\"")
            .append(esc(f.caption()))
            .append("\"><figcaption>")
            .append(esc(f.caption()))
            .append("</figcaption></figure>\n");
      }
      body.append(
              String.format(
                  Locale.ROOT,
                  "<p class=meta>subcommand <code>%s%s</code> &middot; %.1f s</p>\n",
                  s.getClass().getAnnotation(Command.class).name(),
                  s.part().equals("IF") ? " --if-models DIR" : "",
                  secs))
          .append("</section>\n");
    }
    double total = (System.nanoTime() - started) / 1e9;
    writeIndex(body.toString(), total);
    System.out.printf(
        Locale.ROOT,
        "wrote %s (%d sections, %.0f s)%n",
        run.out.resolve("index.html"),
        sections.size(),
        total);
    return 0;
  }

  private void writeIndex(String body, double seconds) {
    String html =
        """
        <!doctype html>
        <html lang=en><head><meta charset=utf-8>
        <meta name=viewport content="width=device-width, initial-scale=1">
        <title>diffusion4j showcase</title>
        <style>
        body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
        h1{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
        section{margin:1.5em 0 2.5em}
        figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}
        img{image-rendering:pixelated;border:1px solid #ddd;max-width:100%%}
        figcaption{font-size:13px;color:#555;max-width:640px}
        .meta{font-size:12px;color:#888}
        .lead{color:#444}
        </style></head><body>
        <h1 style="border:0;margin-top:0">diffusion4j &middot; the write-up, rebuilt in Java</h1>
        <p class=lead>Generated by <code>java -jar examples/target/diffusion4j-examples.jar showcase</code>
        on the models shipped in <code>testdata/</code>: ONNX Runtime sessions for the UNets, everything
        else (schedules, guidance, views, filters, masks) in Java. Seed %d; %.0f s in all.
        Add <code>--if-models DIR</code> for part A on DeepFloyd IF (the stand-ins in
        <code>testdata/models/tiny-if</code> have random weights: their images are noise).</p>
        %s
        </body></html>
        """
            .formatted(run.seed, seconds, body);
    try {
      Files.writeString(run.out.resolve("index.html"), html);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** The section classes, registered as subcommands by {@link Main}. */
  static List<Class<?>> sectionCommands() {
    List<Class<?>> out = new ArrayList<>();
    for (Section s : sections(300)) {
      out.add(s.getClass());
    }
    out.add(PartAIllusions.Upscale.class);
    return out;
  }
}
