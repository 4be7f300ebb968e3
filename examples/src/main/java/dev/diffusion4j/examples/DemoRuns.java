package dev.diffusion4j.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.diffusion4j.Generation;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Progress;
import dev.diffusion4j.image.AnimatedGif;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * The demo server's runs: a fixed pool of {@code parallel} worker threads fed by a queue of at most
 * {@code queue} waiting runs. A run that finds the queue full is refused at once ({@link
 * RejectedExecutionException}, which the server answers with 429); a run cancelled while it waits
 * leaves the queue at once, and one cancelled while it runs stops before its next step (the
 * pipeline checks its thread's interrupt flag). Every run also stops at {@link #MAX_RUN}.
 *
 * <p>Each run streams its events (queued, started, one per step with {@code x_t} and the clean
 * estimate as PNGs, then done, cancelled or error) through its own queue to the one HTTP thread
 * that writes them. Thread-safe.
 */
final class DemoRuns implements AutoCloseable {

  /** The longest a run may take. */
  static final Duration MAX_RUN = Duration.ofMinutes(5);

  /** The most frames of a run kept for its GIF (a longer run keeps every k-th step). */
  static final int MAX_GIF_FRAMES = 60;

  /** One server-sent event: its name, its JSON data, and whether it ends the run's stream. */
  record Event(String name, String data, boolean last) {}

  /** A run: its id, its events, and its task on the pool. */
  final class Run {
    final String id = UUID.randomUUID().toString();
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final FutureTask<Void> task;
    private final java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();

    private Run(Pipeline pipeline, ValueRange range) {
      this.task = new FutureTask<>(() -> execute(this, pipeline, range), null);
    }

    /** Cancels the run, queued or running; idempotent. */
    void cancel() {
      if (task.cancel(true)) {
        pool.remove(task);
        finish(this, "cancelled", new JsonObject(), cancelled);
      }
    }
  }

  private final ThreadPoolExecutor pool;
  private final int queueSize;
  private final Map<String, Run> active = new ConcurrentHashMap<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();

  /**
   * Starts the worker threads.
   *
   * @param queue the most runs that may wait, {@code >= 0}
   * @param parallel the number of runs at a time, {@code >= 1}
   */
  DemoRuns(int queue, int parallel) {
    AtomicInteger n = new AtomicInteger();
    this.queueSize = queue;
    this.pool =
        new ThreadPoolExecutor(
            parallel,
            parallel,
            0,
            TimeUnit.SECONDS,
            queue == 0
                ? new java.util.concurrent.SynchronousQueue<>()
                : new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, "diffusion4j-demo-run-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    pool.prestartAllCoreThreads();
  }

  /**
   * Queues a run.
   *
   * @param pipeline the run's settings, checked already; its progress callback and timeout are set
   *     here
   * @param range the model's value range, for the frames
   * @return the run, whose first event says how many runs are ahead of it
   * @throws RejectedExecutionException when the queue is full
   */
  Run submit(Pipeline pipeline, ValueRange range) {
    Run run = new Run(pipeline, range);
    int ahead = pool.getQueue().size() + running.get();
    JsonObject q = new JsonObject();
    q.addProperty("id", run.id);
    q.addProperty("ahead", ahead);
    run.events.add(new Event("queued", q.toString(), false));
    active.put(run.id, run);
    try {
      pool.execute(run.task);
    } catch (RejectedExecutionException e) {
      active.remove(run.id);
      rejected.incrementAndGet();
      throw new RejectedExecutionException(
          "the queue is full ("
              + queueSize
              + " runs waiting, "
              + pool.getMaximumPoolSize()
              + " running): try again in a moment",
          e);
    }
    return run;
  }

  /**
   * The active (queued or running) run of an id.
   *
   * @param id the run's id
   * @return the run, or null
   */
  Run get(String id) {
    return id == null ? null : active.get(id);
  }

  /**
   * What the server is doing: runs running and waiting, and the counts since it started.
   *
   * @return the status as JSON
   */
  JsonObject status() {
    JsonObject o = new JsonObject();
    o.addProperty("running", running.get());
    o.addProperty("queued", pool.getQueue().size());
    o.addProperty("active", active.size());
    o.addProperty("completed", completed.get());
    o.addProperty("cancelled", cancelled.get());
    o.addProperty("failed", failed.get());
    o.addProperty("rejected", rejected.get());
    o.addProperty("queueSize", queueSize);
    o.addProperty("parallel", pool.getMaximumPoolSize());
    return o;
  }

  /** Runs a run on a worker thread: its steps, its final images and its GIF. */
  private void execute(Run run, Pipeline pipeline, ValueRange range) {
    running.incrementAndGet();
    try {
      JsonObject s = new JsonObject();
      s.addProperty("id", run.id);
      run.events.add(new Event("started", s.toString(), false));
      List<BufferedImage[]> frames = new ArrayList<>();
      long t0 = System.nanoTime();
      Generation g =
          pipeline.timeout(MAX_RUN).progress(p -> step(run, p, range, frames)).generate();
      JsonObject done = new JsonObject();
      JsonArray images = new JsonArray();
      for (BufferedImage img : g.toBufferedImages()) {
        images.add(dataUrl(png(img), "image/png"));
      }
      done.add("images", images);
      done.addProperty("gif", dataUrl(gif(frames), "image/gif"));
      done.addProperty("seconds", (System.nanoTime() - t0) / 1e9);
      finish(run, "done", done, completed);
    } catch (CancellationException e) {
      finish(run, "cancelled", new JsonObject(), cancelled);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        finish(run, "cancelled", new JsonObject(), cancelled);
      } else {
        JsonObject err = new JsonObject();
        err.addProperty(
            "error", dev.diffusion4j.Messages.singleLine(String.valueOf(e.getMessage())));
        finish(run, "error", err, failed);
      }
    } finally {
      running.decrementAndGet();
    }
  }

  /** Ends a run once: its last event, its count, and its removal from the active runs. */
  private void finish(Run run, String event, JsonObject data, AtomicLong count) {
    if (run.ended.compareAndSet(false, true)) {
      active.remove(run.id);
      count.incrementAndGet();
      data.addProperty("id", run.id);
      run.events.add(new Event(event, data.toString(), true));
    }
  }

  /** Sends a step's frames and keeps them (every k-th) for the GIF. */
  private static void step(Run run, Progress p, ValueRange range, List<BufferedImage[]> frames) {
    BufferedImage xt = Images.toImage(p.sample(), 0, range);
    BufferedImage x0 = Images.toImage(p.cleanEstimate(), 0, range);
    JsonObject o = new JsonObject();
    o.addProperty("step", p.step());
    o.addProperty("total", p.totalSteps());
    o.addProperty("timestep", p.timestep());
    o.addProperty("xt", dataUrl(png(xt), "image/png"));
    o.addProperty("x0", dataUrl(png(x0), "image/png"));
    run.events.add(new Event("step", o.toString(), false));
    int every = (p.totalSteps() + MAX_GIF_FRAMES - 1) / MAX_GIF_FRAMES;
    if (p.step() % every == 0 || p.step() == p.totalSteps()) {
      frames.add(new BufferedImage[] {xt, x0});
    }
  }

  /** The run as a GIF: x_t and the clean estimate side by side, enlarged to about 128 px high. */
  private static byte[] gif(List<BufferedImage[]> frames) {
    if (frames.isEmpty()) {
      return new byte[0];
    }
    int w = frames.get(0)[0].getWidth();
    int h = frames.get(0)[0].getHeight();
    int scale = Math.max(1, 128 / h);
    int gap = 2 * scale;
    List<BufferedImage> composed = new ArrayList<>(frames.size());
    for (BufferedImage[] f : frames) {
      BufferedImage out =
          new BufferedImage(2 * w * scale + gap, h * scale, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      g.setColor(java.awt.Color.GRAY);
      g.fillRect(0, 0, out.getWidth(), out.getHeight());
      g.drawImage(f[0], 0, 0, w * scale, h * scale, null);
      g.drawImage(f[1], w * scale + gap, 0, w * scale, h * scale, null);
      g.dispose();
      composed.add(out);
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile("diffusion4j-run-", ".gif");
      AnimatedGif.write(composed, 80, 1500, tmp);
      return Files.readAllBytes(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      DemoRuns.deleteQuietly(tmp);
    }
  }

  /**
   * Encodes an image as PNG.
   *
   * @param img the image. Not modified.
   * @return the PNG file's bytes
   */
  static byte[] png(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A data URL of the bytes, for an img element's src or a download link's href. */
  private static String dataUrl(byte[] bytes, String type) {
    return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Deletes a temporary file of a request, if there is one; one that cannot be deleted is left to
   * the temporary folder's cleaning.
   *
   * @param tmp the file, or null
   */
  static void deleteQuietly(Path tmp) {
    if (tmp != null) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // left behind
      }
    }
  }

  /** Cancels every run and stops the workers. */
  @Override
  public void close() {
    for (Run r : List.copyOf(active.values())) {
      r.cancel();
    }
    pool.shutdownNow();
  }
}
