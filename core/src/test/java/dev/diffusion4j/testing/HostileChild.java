package dev.diffusion4j.testing;

import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.text.T5Encoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The child side of the forked-JVM cases: runs one risky case and prints {@code REFUSED <exception
 * class>: <message>} when the library refuses it, or {@code ACCEPTED} when it does not. A native
 * crash shows as the child's exit status instead.
 */
public final class HostileChild {

  private HostileChild() {}

  private static T5Encoder t5(Path dir) {
    return T5Encoder.open(
        dir.resolve("tokenizer.json"),
        dir.resolve("text_encoder.onnx"),
        SessionSettings.on(Device.cpu()).withIntraOpThreads(1));
  }

  /**
   * Four threads encode distinct prompts while the main thread closes the encoder, 20 times: every
   * call either returns an embedding or throws IllegalStateException, and the JVM survives.
   */
  private static void closeWhileEncoding(Path dir) throws InterruptedException {
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicReference<Throwable> other = new AtomicReference<>();
    for (int round = 0; round < 20; round++) {
      T5Encoder t5 = t5(dir);
      CountDownLatch started = new CountDownLatch(4);
      List<Thread> threads = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        int id = k;
        Thread th =
            new Thread(
                () -> {
                  started.countDown();
                  for (int i = 0; i < 50; i++) {
                    try {
                      t5.encode("prompt " + id + " " + i);
                      t5.tokenize("a photo of a dog " + i);
                      ok.incrementAndGet();
                    } catch (IllegalStateException e) {
                      refused.incrementAndGet();
                      return;
                    } catch (Throwable e) {
                      other.compareAndSet(null, e);
                      return;
                    }
                  }
                });
        th.start();
        threads.add(th);
      }
      started.await();
      Thread.sleep(round % 5);
      t5.close();
      for (Thread th : threads) {
        th.join();
      }
    }
    if (other.get() != null) {
      throw new IllegalStateException("a call failed otherwise: " + other.get(), other.get());
    }
    System.out.println("calls " + ok.get() + " refused " + refused.get());
  }

  /**
   * Opens each tokenizer file (args[2..]) with the T5 encoder of args[1] and tokenizes a prompt,
   * printing one line per file: {@code FILE <name> REFUSED <message>} or {@code FILE <name>
   * ACCEPTED <ids>}.
   */
  private static void tokenizers(String[] args) {
    Path encoder = Path.of(args[1]);
    for (int i = 2; i < args.length; i++) {
      Path file = Path.of(args[i]);
      String line;
      try (T5Encoder t5 =
          T5Encoder.open(file, encoder, SessionSettings.on(Device.cpu()).withIntraOpThreads(1))) {
        long[] ids = t5.tokenize("A photo  of a dog")[0];
        line = "ACCEPTED " + java.util.Arrays.toString(java.util.Arrays.copyOf(ids, 8));
      } catch (RuntimeException e) {
        line = "REFUSED " + e.getClass().getName() + ": " + e.getMessage();
      }
      System.out.println("FILE " + file.getFileName() + " " + line);
      System.out.flush();
    }
  }

  private static long rssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /**
   * Runs {@code runs} times: encode a new prompt with T5, and one MNIST UNet pass. Prints the RSS
   * after the first tenth (warm: caches and arenas full) and at the end.
   */
  private static void rss(Path dir, int runs) throws IOException {
    Path unetFile = TestData.path("models/contract/class-d4.onnx");
    try (T5Encoder t5 = t5(dir);
        MnistUNet unet =
            MnistUNet.classConditioned(
                unetFile, SessionSettings.on(Device.cpu()).withIntraOpThreads(1))) {
      Tensor x = NoiseSource.seeded(0).next(2, 1, 28, 28);
      Tensor c = Tensor.concatBatch(MnistUNet.oneHot(1), MnistUNet.oneHot(2));
      long warm = 0;
      for (int i = 0; i < runs; i++) {
        t5.encode("a photo of prompt number " + i);
        unet.predict(x, new int[] {100, 100}, c);
        if (i == runs / 10) {
          System.gc();
          warm = rssKib();
        }
      }
      System.gc();
      System.out.println("RSS " + warm + " " + rssKib() + " cached " + t5.cachedPrompts());
    }
  }

  /**
   * Runs a case.
   *
   * @param args the case name and its arguments
   */
  public static void main(String[] args) throws Exception {
    try {
      switch (args[0]) {
        case "load-and-run" -> {
          try (MnistUNet unet =
              MnistUNet.timeConditioned(Path.of(args[1]), SessionSettings.on(Device.cpu()))) {
            unet.predict(NoiseSource.seeded(0).next(1, 1, 28, 28), new int[] {300}, null);
          }
        }
        case "close-while-encoding" -> closeWhileEncoding(Path.of(args[1]));
        case "tokenizers" -> tokenizers(args);
        case "rss" -> rss(Path.of(args[1]), Integer.parseInt(args[2]));
        default -> throw new IllegalStateException("unknown case " + args[0]);
      }
      System.out.println("ACCEPTED");
    } catch (RuntimeException e) {
      System.out.println("REFUSED " + e.getClass().getName() + ": " + e.getMessage());
    }
    System.out.flush();
  }
}
