// The run time with spinning on and off, interleaved in one JVM (two sessions, alternating runs):
//   java -cp $ORT examples/measure/Alt.java testdata/models/mnist/class-epoch20.onnx 1 60
//   java -cp $ORT examples/measure/Alt.java testdata/models/mnist/class-epoch20.onnx 40 20
import ai.onnxruntime.*;
import java.nio.FloatBuffer;
import java.util.*;

/** Run time with spinning on and off, interleaved in one JVM (two sessions, alternating runs), so that the load of other processes falls on both alike. */
public class Alt {
  public static void main(String[] a) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int b = Integer.parseInt(a[1]); int runs = Integer.parseInt(a[2]);
    OrtSession.SessionOptions on = new OrtSession.SessionOptions();
    OrtSession.SessionOptions off = new OrtSession.SessionOptions();
    off.addConfigEntry("session.intra_op.allow_spinning", "0");
    OrtSession[] s = {env.createSession(a[0], on), env.createSession(a[0], off)};
    float[] x = new float[b * 784]; float[] t = new float[b]; float[] c = new float[b * 10];
    for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
    for (int i = 0; i < b; i++) { t[i] = 0.5f; c[i * 10 + i % 10] = 1; }
    OnnxTensor tx = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {b, 1, 28, 28});
    OnnxTensor tt = OnnxTensor.createTensor(env, FloatBuffer.wrap(t), new long[] {b});
    OnnxTensor tc = OnnxTensor.createTensor(env, FloatBuffer.wrap(c), new long[] {b, 10});
    Map<String, OnnxTensor> feeds = Map.of("x", tx, "t", tt, "c", tc);
    for (int i = 0; i < 3; i++) { s[0].run(feeds).close(); s[1].run(feeds).close(); }
    double[][] ms = new double[2][runs];
    for (int i = 0; i < runs; i++) {
      for (int k = 0; k < 2; k++) {
        int m = (i % 2 == 0) ? k : 1 - k; // alternate which goes first
        long w = System.nanoTime();
        s[m].run(feeds).close();
        ms[m][i] = (System.nanoTime() - w) / 1e6;
      }
    }
    for (double[] d : ms) Arrays.sort(d);
    System.out.printf("batch=%d runs=%d median_ms spinning_on=%.1f off=%.1f ratio_off_to_on=%.3f%n", b, runs, ms[0][runs / 2], ms[1][runs / 2], ms[1][runs / 2] / ms[0][runs / 2]);
  }
}
