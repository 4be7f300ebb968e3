package dev.diffusion4j.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Moves float data in and out of ONNX Runtime tensors, converting float16 where a model wants it.
 */
final class Floats {

  private Floats() {}

  /** Creates a tensor of the given element type (float32 or float16) from float data. */
  static OnnxTensor create(float[] data, long[] shape, OnnxJavaType type) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    if (type == OnnxJavaType.FLOAT16) {
      ShortBuffer half = Fp16Conversions.convertFloatBufferToFp16Buffer(FloatBuffer.wrap(data));
      return OnnxTensor.createTensor(env, half, shape, OnnxJavaType.FLOAT16);
    }
    if (type != OnnxJavaType.FLOAT) {
      throw new IllegalArgumentException("type must be FLOAT or FLOAT16, but is: " + type);
    }
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
  }

  /** Creates an int64 tensor. */
  static OnnxTensor createLong(long[] data, long[] shape) throws OrtException {
    return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), LongBuffer.wrap(data), shape);
  }

  /** Copies a float32 or float16 tensor out as float32. */
  static float[] read(OnnxTensor t) {
    OnnxJavaType type = t.getInfo().type;
    FloatBuffer buf;
    if (type == OnnxJavaType.FLOAT) {
      buf = t.getFloatBuffer();
    } else if (type == OnnxJavaType.FLOAT16) {
      buf = Fp16Conversions.convertFp16BufferToFloatBuffer(t.getShortBuffer());
    } else {
      throw new dev.diffusion4j.DiffusionException(
          "model output must be float32 or float16, but is: " + type);
    }
    float[] out = new float[buf.remaining()];
    buf.get(out);
    return out;
  }
}
