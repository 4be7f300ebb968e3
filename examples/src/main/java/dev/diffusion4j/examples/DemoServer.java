package dev.diffusion4j.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Messages;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Sampler;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.MnistDigits;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.ViewTable;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The live demo's HTTP server (Javalin on Jetty): the page, its script, and a small JSON API.
 *
 * <ul>
 *   <li>{@code GET /}: the page; {@code GET /demo.js}: its script (both from the jar).
 *   <li>{@code GET /api/config}: the models, techniques, samplers, views and limits.
 *   <li>{@code GET /api/digit?digit=D&index=I}: a held-out test digit as a 28 x 28 PNG.
 *   <li>{@code POST /api/run}: a run's settings as JSON ({@link DemoRequest}); the answer is a
 *       stream of server-sent events ({@link DemoRuns}): queued, started, one {@code step} per step
 *       with {@code x_t} and the clean estimate, then {@code done} (the images and a GIF of the
 *       run), {@code cancelled} or {@code error}. A client that goes away cancels its run.
 *   <li>{@code POST /api/runs/{id}/stop}: cancels a run.
 *   <li>{@code GET /api/status}: runs running and queued, and counts since the start.
 * </ul>
 *
 * <p>Refusals are JSON {@code {"field": ..., "error": ...}}: 400 for a field out of its limits, 413
 * for a body over {@link #MAX_BODY_BYTES}, 429 when the queue is full. The models are the ones the
 * server was started with; no request names a file. Jetty's thread pool is fixed in size, so
 * threads stay flat under load.
 */
final class DemoServer implements AutoCloseable {

  /** The largest request body: two 280 x 280 PNG drawings as base64 take about 50 KB. */
  static final long MAX_BODY_BYTES = 2L * 1024 * 1024;

  /** The most of an oversized body read (and dropped) so that its sender sees the 413. */
  static final long DRAIN_BYTES = 64L * 1024 * 1024;

  /** How often a waiting stream sends a comment, which is how a client that left is noticed. */
  static final long HEARTBEAT_MILLIS = 500;

  /** The held-out digits a page may pick from, per class. */
  static final int DIGITS_PER_CLASS = 50;

  private final Diffusion mnist;
  private final Diffusion deepFloyd;
  private final MnistDigits heldout;
  private final DemoRuns runs;
  private final Javalin app;

  /**
   * Starts a server.
   *
   * @param mnist the MNIST model; closed by {@link #close()}
   * @param deepFloyd the IF models, or null; closed by {@link #close()}
   * @param heldout the held-out digits the page may pick from
   * @param host the address to bind to
   * @param port the port, 0 for any free one
   * @param queue the most runs waiting
   * @param parallel the runs at a time
   */
  DemoServer(
      Diffusion mnist,
      Diffusion deepFloyd,
      MnistDigits heldout,
      String host,
      int port,
      int queue,
      int parallel) {
    this.mnist = mnist;
    this.deepFloyd = deepFloyd;
    this.heldout = heldout;
    this.runs = new DemoRuns(queue, parallel);
    // every queued or running run holds one thread while it streams; the rest serve the page
    int threads = Math.max(24, queue + parallel + 16);
    this.app =
        Javalin.create(
            config -> {
              QueuedThreadPool pool = new QueuedThreadPool(threads, threads, 60_000);
              pool.setName("diffusion4j-demo-http");
              config.jetty.threadPool = pool;
              config.http.maxRequestSize = MAX_BODY_BYTES;
              config.http.compressionStrategy = CompressionStrategy.NONE;
              config.startup.showJavalinBanner = false;
              config.routes.get("/", ctx -> resource(ctx, "index.html", "text/html"));
              config.routes.get("/demo.js", ctx -> resource(ctx, "demo.js", "text/javascript"));
              config.routes.get("/api/config", ctx -> json(ctx, 200, config()));
              config.routes.get("/api/status", ctx -> json(ctx, 200, runs.status()));
              config.routes.get("/api/digit", this::digit);
              config.routes.post("/api/run", this::run);
              config.routes.post("/api/runs/{id}/stop", this::stop);
              config.routes.exception(
                  DemoRequest.BadField.class,
                  (e, ctx) -> json(ctx, 400, error(e.field(), e.getMessage())));
              config.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    // a failure of the server itself: logged here, a one-line 500 to the client
                    System.err.println("error: " + ctx.method() + " " + ctx.path() + ": " + e);
                    e.printStackTrace();
                    json(ctx, 500, error("server", Messages.singleLine(String.valueOf(e))));
                  });
            });
    app.start(host, port);
  }

  /**
   * The port the server listens on.
   *
   * @return the port
   */
  int port() {
    return app.port();
  }

  private JsonObject config() {
    JsonObject o = new JsonObject();
    JsonArray models = new JsonArray();
    models.add("mnist");
    if (deepFloyd != null) {
      models.add("if");
    }
    o.add("models", models);
    o.add("techniques", array(DemoRequest.TECHNIQUES));
    o.add("samplers", array(Sampler.cliNames()));
    o.add("views", array(ViewTable.names(ViewTable.Kind.VIEW)));
    JsonObject limits = new JsonObject();
    limits.addProperty("steps", DemoRequest.MAX_STEPS);
    limits.addProperty("samples", DemoRequest.MAX_SAMPLES);
    limits.addProperty("guidance", DemoRequest.MAX_GUIDANCE);
    limits.addProperty("bodyBytes", MAX_BODY_BYTES);
    limits.addProperty("digitsPerClass", DIGITS_PER_CLASS);
    o.add("limits", limits);
    return o;
  }

  private void digit(Context ctx) throws IOException {
    int d = intParam(ctx, "digit", 0, 9);
    int index = intParam(ctx, "index", 0, DIGITS_PER_CLASS - 1);
    Tensor all = heldout.ofDigit(d, index + 1);
    int i = Math.min(index, all.dim(0) - 1);
    ctx.contentType("image/png");
    ctx.result(DemoRuns.png(Images.toImage(all, i, mnist.denoiser().valueRange())));
  }

  private static int intParam(Context ctx, String name, int min, int max) {
    String v = ctx.queryParam(name);
    try {
      int i = Integer.parseInt(v == null ? "" : v.trim());
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new DemoRequest.BadField(
        name,
        name
            + " must be an integer in ["
            + min
            + ", "
            + max
            + "], but is: "
            + dev.diffusion4j.Messages.quote(v));
  }

  private void stop(Context ctx) {
    DemoRuns.Run run = runs.get(ctx.pathParam("id"));
    if (run == null) {
      json(ctx, 404, error("id", "no queued or running run has this id"));
      return;
    }
    run.cancel();
    json(ctx, 200, runs.status());
  }

  /** Checks a run, queues it and streams its events; cancels it when the client goes away. */
  private void run(Context ctx) throws IOException, InterruptedException {
    long length = ctx.req().getContentLengthLong();
    if (length > MAX_BODY_BYTES) {
      // read and drop the body (up to DRAIN_BYTES) before answering: a client that is still
      // sending when the connection closes gets a reset instead of the answer
      if (length <= DRAIN_BYTES) {
        try (InputStream in = ctx.req().getInputStream()) {
          byte[] buffer = new byte[64 * 1024];
          while (in.read(buffer) >= 0) {
            // dropped
          }
        }
      }
      json(ctx, 413, bodyTooLarge(length));
      return;
    }
    String body;
    try {
      body = ctx.body();
    } catch (RuntimeException e) {
      // Javalin's own limit, for a body sent without a length
      json(ctx, 413, bodyTooLarge(-1));
      return;
    }
    DemoRequest request = DemoRequest.parse(body, deepFloyd != null);
    Diffusion model = request.model.equals("if") ? deepFloyd : mnist;
    Pipeline pipeline = request.pipeline(model);
    DemoRuns.Run run;
    try {
      run = runs.submit(pipeline, model.denoiser().valueRange());
    } catch (RejectedExecutionException e) {
      json(ctx, 429, error("queue", e.getMessage()));
      return;
    }
    ctx.status(200);
    ctx.res().setContentType("text/event-stream");
    ctx.res().setCharacterEncoding("UTF-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    OutputStream out = ctx.res().getOutputStream();
    try {
      while (true) {
        DemoRuns.Event ev = run.events.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
        String text =
            ev == null ? ": waiting\n\n" : "event: " + ev.name() + "\ndata: " + ev.data() + "\n\n";
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (ev != null && ev.last()) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the client went away (Jetty's EofException is an IOException): stop its run
      run.cancel();
    } catch (InterruptedException e) {
      run.cancel();
      Thread.currentThread().interrupt();
    }
  }

  private static JsonObject bodyTooLarge(long length) {
    return error(
        "body",
        "the request body must be at most "
            + MAX_BODY_BYTES
            + " bytes (the image and mask PNGs)"
            + (length >= 0 ? ", but is " + length + " bytes" : ", but is longer"));
  }

  private static JsonObject error(String field, String message) {
    JsonObject o = new JsonObject();
    o.addProperty("field", field);
    o.addProperty("error", message);
    return o;
  }

  private static void json(Context ctx, int status, JsonObject o) {
    ctx.status(status);
    ctx.contentType("application/json");
    ctx.result(o.toString());
  }

  private static JsonArray array(Iterable<String> items) {
    JsonArray a = new JsonArray();
    for (String s : items) {
      a.add(s);
    }
    return a;
  }

  private static void resource(Context ctx, String name, String type) throws IOException {
    try (InputStream in =
        DemoServer.class.getResourceAsStream("/dev/diffusion4j/examples/demo/" + name)) {
      if (in == null) {
        throw new IllegalStateException("the demo page's " + name + " is missing from the jar");
      }
      ctx.contentType(type + "; charset=utf-8");
      ctx.header(
          "Content-Security-Policy",
          "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'");
      ctx.result(in.readAllBytes());
    }
  }

  /** Cancels every run, stops the server and closes the models. Idempotent. */
  @Override
  public void close() {
    try {
      runs.close();
      app.stop();
    } finally {
      try {
        mnist.close();
      } finally {
        if (deepFloyd != null) {
          deepFloyd.close();
        }
      }
    }
  }
}
