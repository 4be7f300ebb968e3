// Measures the CPU time ONNX Runtime burns between runs with intra-op spinning on (its default) and off.
// Run from the repository root (single-file source, ONNX Runtime from the local Maven repository):
//   ORT=$(find ~/.m2/repository/com/microsoft/onnxruntime -name "onnxruntime*-1.24.2.jar" | head -1)
//   java -cp $ORT examples/measure/Spin.java testdata/models/mnist/class-epoch20.onnx default 30
//   java -cp $ORT examples/measure/Spin.java testdata/models/mnist/class-epoch20.onnx 0 30
import ai.onnxruntime.*;
import java.nio.FloatBuffer;
import java.nio.file.*;
import java.util.Map;

/** CPU time burnt after the last run (idle), and run time, with ORT's intra-op spinning on (default) or off. */
public class Spin {
  static long cpuTicks() throws Exception {
    String s = Files.readString(Path.of("/proc/self/stat"));
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime (fields 14, 15)
  }
  public static void main(String[] a) throws Exception {
    String spinning = a[1]; // "default" or "0"
    int runs = Integer.parseInt(a[2]);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      if (!spinning.equals("default")) o.addConfigEntry("session.intra_op.allow_spinning", spinning);
      try (OrtSession s = env.createSession(a[0], o)) {
        int b = 20;
        float[] x = new float[b * 784]; float[] t = new float[b]; float[] c = new float[b * 10];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        for (int i = 0; i < b; i++) { t[i] = 0.5f; c[i * 10 + i % 10] = 1; }
        try (OnnxTensor tx = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {b, 1, 28, 28});
             OnnxTensor tt = OnnxTensor.createTensor(env, FloatBuffer.wrap(t), new long[] {b});
             OnnxTensor tc = OnnxTensor.createTensor(env, FloatBuffer.wrap(c), new long[] {b, 10})) {
          Map<String, OnnxTensor> feeds = Map.of("x", tx, "t", tt, "c", tc);
          for (int i = 0; i < 3; i++) s.run(feeds).close(); // warm-up
          long w0 = System.nanoTime(); long c0 = cpuTicks();
          for (int i = 0; i < runs; i++) s.run(feeds).close();
          long w1 = System.nanoTime(); long c1 = cpuTicks();
          // an application that calls the library now and then: 20 bursts of one run, 250 ms apart
          long idleCpu = 0; long idleWall = 0;
          for (int k = 0; k < 20; k++) {
            s.run(feeds).close();
            long ci = cpuTicks(); long wi = System.nanoTime();
            Thread.sleep(250);
            idleCpu += cpuTicks() - ci; idleWall += System.nanoTime() - wi;
          }
          double tick = 100.0; // USER_HZ
          System.out.printf("spinning=%s runs=%d run_ms=%.1f run_cpu_s=%.2f idle_cpu_s=%.3f idle_wall_s=%.2f idle_cores=%.3f%n",
              spinning, runs, (w1 - w0) / 1e6 / runs, (c1 - c0) / tick, idleCpu / tick, idleWall / 1e9, (idleCpu / tick) / (idleWall / 1e9));
        }
      }
    }
  }
}
