package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every option of every subcommand is either used by every run that accepts it, or refused where it
 * would be ignored. The test enumerates the options from the command line itself, so a new option
 * fails it until it is classified here.
 */
class IgnoredOptionsTest {

  @TempDir Path dir;

  /** Options that every run of a command that has them reads. */
  private static final Set<String> ALWAYS_USED =
      Set.of("--out", "--seed", "--device", "--sampler", "--steps", "--threads", "--if-models");

  /** Command-specific options that every run reads: "command option". */
  private static final Set<String> USED =
      Set.of(
          "showcase --models",
          "showcase --data",
          "showcase --sample-steps",
          "mnist-sample --model",
          "mnist-sample --epoch",
          "mnist-sample --model-file",
          "mnist-evaluate-denoiser --epoch",
          "mnist-evaluate-denoiser --sigma",
          "mnist-evaluate-denoiser --models",
          "mnist-evaluate-denoiser --data",
          "bench-blur --python",
          "bench-blur --seconds",
          "bench-mnist --python",
          "bench-mnist --model-file",
          "bench-mnist --torch-weights",
          "bench-if --models",
          "bench-if --source",
          "bench-if --stage",
          "bench-if --timesteps",
          "bench-if --python",
          "bench-if --reference",
          "mnist-denoise --models",
          "mnist-denoise --data",
          "mnist-ood --models",
          "mnist-ood --data",
          "mnist-noising --data",
          "mnist-time-samples --models",
          "mnist-class-samples --models",
          "mnist-gif --models",
          "mnist-samplers --models",
          "mnist-anagram --guidance",
          "mnist-anagram --weights",
          "generate --models",
          "generate --prompt",
          "serve --port",
          "serve --host",
          "serve --queue",
          "serve --parallel",
          "serve --models",
          "serve --data",
          "generate --guidance",
          "generate --timesteps",
          "generate --samples",
          "generate --upscale",
          // the IF test image with --if-models, your own drawing on MNIST
          "mnist-sdedit --image",
          "mnist-translate --image",
          "mnist-inpaint --image");

  private final Map<String, List<String[]>> refusals = new LinkedHashMap<>();

  /** A command line on which {@code option} of {@code command} would be ignored. */
  private void refused(String command, String option, String message, String... args) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(List.of(args));
    all.add("--out");
    all.add(dir.resolve("out").toString());
    refusals
        .computeIfAbsent(command + " " + option, k -> new ArrayList<>())
        .add(new String[] {message, String.join("\u0000", all)});
  }

  private static final String ALL_BUT_DDPM = "ddim, dpm++, unipc, euler-a, lms";

  /**
   * Each scheduler option of {@code --sampler} with a sampler whose scheduler lacks it, and the
   * samplers the refusal names.
   */
  private static final List<String[]> SCHEDULER_OPTIONS =
      List.of(
          new String[] {"--karras", null, "euler-a", "dpm++, unipc, lms", "use_karras_sigmas"},
          new String[] {"--solver-order", "2", "ddim", "dpm++, unipc, lms", "solver_order"},
          new String[] {"--lu-lambdas", null, "unipc", "dpm++", "use_lu_lambdas"},
          new String[] {"--eta", "0.5", "dpm++", "ddim", "eta"},
          new String[] {"--timestep-spacing", "trailing", "ddpm", ALL_BUT_DDPM, "timestep_spacing"},
          new String[] {"--algorithm", "sde-dpmsolver++", "unipc", "dpm++", "algorithm_type"},
          new String[] {"--steps-offset", "1", "ddpm", ALL_BUT_DDPM, "steps_offset"});

  /** The arguments a command needs before it reaches its checks of the sampler's options. */
  private List<String> required(String command, String any) {
    return switch (command) {
      case "mnist-sample" -> List.of("--model", "class", "--per-digit", "1");
      case "generate" -> List.of("--models", any, "--prompt", "x");
      default -> List.of();
    };
  }

  private void table() {
    String ifDir = dir.resolve("if").toString();
    String any = dir.resolve("any").toString();
    for (var sub : Main.commandLine().getSubcommands().entrySet()) {
      if (sub.getValue().getCommandSpec().findOption("--sampler") == null) {
        continue;
      }
      String command = sub.getKey();
      for (String[] o : SCHEDULER_OPTIONS) {
        List<String> args = new ArrayList<>(required(command, any));
        args.addAll(List.of("--sampler", o[2], o[0]));
        if (o[1] != null) {
          args.add(o[1]);
        }
        refused(
            command,
            o[0],
            o[0]
                + " does not apply to --sampler "
                + o[2]
                + ", whose scheduler has no "
                + o[4]
                + "; it is for --sampler "
                + o[3],
            args.toArray(String[]::new));
      }
    }
    refused("showcase", "--image", "--image is the test image of the IF", "--image", any);
    refused(
        "generate",
        "--negative-prompt",
        "--negative-prompt is the unconditional pass of guidance",
        "--models",
        any,
        "--prompt",
        "x",
        "--guidance",
        "1",
        "--negative-prompt",
        "y");
    refused(
        "generate",
        "--upscale-steps",
        "--upscale-steps is for --upscale",
        "--models",
        any,
        "--prompt",
        "x",
        "--upscale-steps",
        "2");
    refused(
        "mnist-sample",
        "--per-digit",
        "--per-digit is for --model class",
        "--model",
        "time",
        "--count",
        "1",
        "--per-digit",
        "1");
    refused(
        "mnist-sample",
        "--count",
        "--count is for --model time",
        "--model",
        "class",
        "--per-digit",
        "1",
        "--count",
        "1");
    refused(
        "mnist-sample",
        "--guidance",
        "--guidance is for --model class",
        "--model",
        "time",
        "--count",
        "1",
        "--guidance",
        "3");
    refused(
        "mnist-sample",
        "--models",
        "--models and --model-file both choose",
        "--model",
        "time",
        "--count",
        "1",
        "--models",
        any,
        "--model-file",
        any);
    for (String technique :
        List.of(
            "mnist-forward",
            "mnist-blur",
            "mnist-one-step",
            "mnist-iterative",
            "mnist-sampling",
            "mnist-anagram",
            "mnist-hybrid",
            "mnist-illusions",
            "if-upscale")) {
      refused(technique, "--image", "--image is the test image of the IF run", "--image", any);
      refused(
          technique,
          "--models",
          "--models does not apply to " + technique,
          "--if-models",
          ifDir,
          "--models",
          any);
      refused(
          technique,
          "--data",
          "--data does not apply to " + technique,
          "--if-models",
          ifDir,
          "--data",
          any);
    }
    for (String edit : List.of("mnist-sdedit", "mnist-inpaint", "mnist-translate")) {
      refused(
          edit,
          "--models",
          "--models does not apply to " + edit,
          "--if-models",
          ifDir,
          "--models",
          any);
      refused(
          edit, "--data", "--data does not apply to " + edit, "--if-models", ifDir, "--data", any);
      // your own image on MNIST reads no held-out digit
      refused(
          edit,
          "--data",
          "--data does not apply to " + edit,
          "--image",
          any,
          "--label",
          "3",
          "--data",
          any);
      List<String[]> own = new ArrayList<>();
      own.add(new String[] {"--label", "3"});
      own.add(new String[] {"--invert"});
      if (edit.equals("mnist-inpaint")) {
        own.add(new String[] {"--mask", any});
      } else {
        own.add(new String[] {"--strength", "0.5"});
        own.add(new String[] {"--start", "5"});
      }
      for (String[] option : own) {
        String message = option[0] + " does not apply to " + edit + ": it sets the run on your own";
        refused(edit, option[0], message, option);
        refused(edit, option[0], message, concat(new String[] {"--if-models", ifDir}, option));
        refused(
            edit,
            option[0],
            message,
            concat(new String[] {"--if-models", ifDir, "--image", any}, option));
      }
    }
    refused(
        "mnist-noising", "--models", "--models does not apply to mnist-noising", "--models", any);
    for (String samples :
        List.of("mnist-time-samples", "mnist-class-samples", "mnist-gif", "mnist-samplers")) {
      refused(samples, "--data", "--data does not apply to " + samples, "--data", any);
    }
    for (String option : List.of("--upright", "--other", "--view", "--count")) {
      String value = option.equals("--view") ? "flip" : "1";
      refused(
          "mnist-anagram",
          option,
          option + " does not apply to mnist-anagram with --if-models",
          "--if-models",
          ifDir,
          option,
          value);
    }
    for (String option : List.of("--low", "--high", "--count")) {
      refused(
          "mnist-hybrid",
          option,
          option + " does not apply to mnist-hybrid with --if-models",
          "--if-models",
          ifDir,
          option,
          "1");
    }
    refused(
        "mnist-anagram",
        "--reduction",
        "--reduction does not apply to mnist-anagram with --if-models",
        "--if-models",
        ifDir,
        "--reduction",
        "sum");
    refused(
        "mnist-anagram",
        "--animate",
        "--animate does not apply to mnist-anagram with --if-models",
        "--if-models",
        ifDir,
        "--animate");
    refused(
        "mnist-hybrid",
        "--components",
        "--components does not apply to mnist-hybrid with --if-models",
        "--if-models",
        ifDir,
        "--components",
        "low_pass",
        "high_pass");
    refused(
        "mnist-hybrid",
        "--reduction",
        "--reduction does not apply to mnist-hybrid with --if-models",
        "--if-models",
        ifDir,
        "--reduction",
        "mean");
    refused(
        "mnist-hybrid",
        "--animate",
        "--animate does not apply to mnist-hybrid with --if-models",
        "--if-models",
        ifDir,
        "--animate");
  }

  private static String[] concat(String[] first, String... more) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(more));
    return all.toArray(new String[0]);
  }

  @Test
  void everyOptionOfEverySubcommandIsUsedOrRefusedWhereItWouldBeIgnored() {
    table();
    CommandLine main = Main.commandLine();
    List<String> unclassified = new ArrayList<>();
    int checked = 0;
    for (var sub : main.getSubcommands().entrySet()) {
      for (CommandLine.Model.OptionSpec o : sub.getValue().getCommandSpec().options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        String key = sub.getKey() + " " + o.longestName();
        if (ALWAYS_USED.contains(o.longestName()) || USED.contains(key)) {
          continue;
        }
        List<String[]> cases = refusals.get(key);
        if (cases == null) {
          unclassified.add(key);
          continue;
        }
        for (String[] c : cases) {
          String[] args = c[1].split("\u0000");
          CommandLine cmd = Main.commandLine();
          StringWriter err = new StringWriter();
          cmd.setErr(new PrintWriter(err));
          int code = cmd.execute(args);
          assertThat(code).as("%s: %s", key, err).isEqualTo(2);
          assertThat(err.toString()).as(key).contains("error: " + c[0]).doesNotContain("Usage:");
          checked++;
        }
      }
    }
    assertThat(unclassified)
        .as("options neither used by every run nor refused when ignored")
        .isEmpty();
    assertThat(checked).isGreaterThan(40);
  }

  @Test
  void badSchedulerOptionValuesAreRefusedBeforeAnyWork() {
    String out = dir.resolve("out").toString();
    String[][] cases = {
      {"dpm++", "--solver-order", "4", "solverOrder must be in [1, 3], but is: 4"},
      {"lms", "--solver-order", "5", "order must be in [1, 4], but is: 5"},
      {"ddim", "--eta", "-1", "eta must be >= 0 and finite, but is: -1.0"},
      {"unipc", "--timestep-spacing", "even", "unknown timestep_spacing 'even'"},
      {"dpm++", "--algorithm", "dpmsolver", "unknown algorithm_type 'dpmsolver'"},
    };
    for (String[] c : cases) {
      CommandLine cmd = Main.commandLine();
      StringWriter err = new StringWriter();
      cmd.setErr(new PrintWriter(err));
      int code =
          cmd.execute(
              "mnist-sample",
              "--model",
              "class",
              "--per-digit",
              "1",
              "--sampler",
              c[0],
              c[1],
              c[2],
              "--out",
              out);
      assertThat(code).as("%s %s %s: %s", c[0], c[1], c[2], err).isEqualTo(2);
      assertThat(err.toString()).contains("error: " + c[3]);
    }
    // two options that the scheduler refuses together
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    int code =
        cmd.execute(
            "mnist-sampling",
            "--sampler",
            "dpm++",
            "--algorithm",
            "sde-dpmsolver++",
            "--solver-order",
            "3",
            "--out",
            out);
    assertThat(code).as("%s", err).isEqualTo(2);
    assertThat(err.toString()).contains("error: solverOrder 3 is not offered with sde-dpmsolver++");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void badUsageIsOneErrorLineWithoutTheUsage() {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute("mnist-sampling", "--sampler", "euler\u001b[2J", "--out", "x");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("error: ")
        .contains("euler\\u001b[2J")
        .doesNotContain("\u001b")
        .doesNotContain("Usage:")
        .contains("--help");
    assertThat(err.toString().lines().count()).isEqualTo(2);
  }
}
