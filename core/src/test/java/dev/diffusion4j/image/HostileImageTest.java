package dev.diffusion4j.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and unusual image files, generated here: low-bit and palette images read with their true
 * values, corrupt or oversized files are refused naming the file, and a write never touches a
 * directory.
 */
class HostileImageTest {

  @TempDir Path dir;

  /** A gray ramp palette of {@code 2^bits} entries. */
  private static IndexColorModel grayPalette(int bits) {
    int n = 1 << bits;
    byte[] v = new byte[n];
    for (int i = 0; i < n; i++) {
      v[i] = (byte) Math.round(i * 255f / (n - 1));
    }
    return new IndexColorModel(bits, n, v, v, v);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void lowBitGrayPngsReadWhiteAsOne(int bits) throws Exception {
    BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY, grayPalette(bits));
    img.getRaster().setSample(0, 0, 0, (1 << bits) - 1); // white
    img.getRaster().setSample(1, 0, 0, 0); // black
    Path file = dir.resolve("gray" + bits + ".png");
    assertThat(ImageIO.write(img, "png", file.toFile())).isTrue();
    Tensor t = Images.readGray(file, ValueRange.ZERO_TO_ONE);
    assertThat(t.data()[0]).isEqualTo(1f);
    assertThat(t.data()[1]).isEqualTo(0f);
  }

  private static BufferedImage redGreenPalette() {
    byte[] r = {(byte) 255, 0};
    byte[] g = {0, (byte) 255};
    byte[] b = {0, 0};
    BufferedImage img =
        new BufferedImage(
            4, 4, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 2, r, g, b));
    img.getRaster().setSample(1, 0, 0, 1); // green at (1, 0), red elsewhere
    return img;
  }

  @ParameterizedTest
  @ValueSource(strings = {"png", "gif"})
  void paletteImagesReadTheirColoursNotTheirIndices(String format) throws Exception {
    Path file = dir.resolve("palette." + format);
    assertThat(ImageIO.write(redGreenPalette(), format, file.toFile())).isTrue();
    Tensor t = Images.readRgb(file, ValueRange.ZERO_TO_ONE);
    int hw = 16;
    assertThat(new float[] {t.data()[0], t.data()[hw], t.data()[2 * hw]})
        .containsExactly(1f, 0f, 0f);
    assertThat(new float[] {t.data()[1], t.data()[hw + 1], t.data()[2 * hw + 1]})
        .containsExactly(0f, 1f, 0f);
    // the grayscale of a palette image is the mean of its colours, not its index
    assertThat(Images.readGray(file, ValueRange.ZERO_TO_ONE).data()[0])
        .isCloseTo(85 / 255f, within(1e-6f));
  }

  @Test
  void cmykJpegsReadWithTheirColours() throws Exception {
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        // red (no cyan, full magenta and yellow, no black) in Adobe's inverted samples, 255 - ink,
        // which is how Photoshop and PIL store CMYK; PIL reads this file as red, too
        raster.setPixel(x, y, new int[] {255, 0, 0, 255});
      }
    }
    Path file = dir.resolve("cmyk.jpg");
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
      w.setOutput(out);
      w.write(null, new IIOImage(raster, null, null), null);
    } finally {
      w.dispose();
    }
    // the same samples behind Adobe's APP14 marker (transform 0: CMYK), as Photoshop writes them
    byte[] plain = Files.readAllBytes(file);
    byte[] app14 = {
      (byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0
    };
    byte[] adobe = new byte[plain.length + app14.length];
    System.arraycopy(plain, 0, adobe, 0, 2);
    System.arraycopy(app14, 0, adobe, 2, app14.length);
    System.arraycopy(plain, 2, adobe, 2 + app14.length, plain.length - 2);
    Path adobeFile = Files.write(dir.resolve("adobe.jpg"), adobe);
    for (Path f : new Path[] {file, adobeFile}) {
      Tensor t = Images.readRgb(f, ValueRange.ZERO_TO_ONE);
      int hw = 64;
      assertThat(t.data()[27]).as(f.toString()).isCloseTo(1f, within(0.03f));
      assertThat(t.data()[hw + 27]).as(f.toString()).isCloseTo(0f, within(0.03f));
      assertThat(t.data()[2 * hw + 27]).as(f.toString()).isCloseTo(0f, within(0.03f));
    }
  }

  @Test
  void aWhiteCmykJpegAsPilWritesItReadsWhite() throws Exception {
    // PIL's Image.new("CMYK", (8, 8), (0, 0, 0, 0)).save("white.jpg"): no ink, stored inverted
    // (255, 255, 255, 255) behind an Adobe APP14 marker; it read as a black square
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        raster.setPixel(x, y, new int[] {255, 255, 255, 255});
      }
    }
    Path file = dir.resolve("white.jpg");
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
      w.setOutput(out);
      w.write(null, new IIOImage(raster, null, null), null);
    } finally {
      w.dispose();
    }
    Tensor gray = Images.readGray(file, ValueRange.ZERO_TO_ONE);
    for (float v : gray.data()) {
      assertThat(v).isCloseTo(1f, within(0.02f));
    }
  }

  private Path png(String name) throws Exception {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    img.setRGB(3, 3, 0x123456);
    Path file = dir.resolve(name);
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  @Test
  void aPngWithACorruptCrcIsRefused() throws Exception {
    Path file = png("crc.png");
    byte[] bytes = Files.readAllBytes(file);
    int idat = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("IDAT");
    bytes[idat + 4] ^= 0x01; // the first data byte of IDAT, not its CRC
    Files.write(file, bytes);
    assertThatThrownBy(() -> Images.readRgb(file, ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("PNG file " + file + " is corrupt: chunk IDAT at byte ")
        .hasMessageContaining("has CRC 0x");
  }

  @Test
  void aTruncatedPngIsRefused() throws Exception {
    Path file = png("cut.png");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 20));
    assertThatThrownBy(() -> Images.readRgb(file, ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString());
  }

  private static void chunk(DataOutputStream out, String type, byte[] data) throws Exception {
    byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeInt(data.length);
    out.write(t);
    out.write(data);
    out.writeInt((int) crc.getValue());
  }

  @Test
  void aPixelBombIsRefusedFromItsHeader() throws Exception {
    // a valid PNG structure that claims 20000 x 20000 gray pixels
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(ihdr);
    h.writeInt(20000);
    h.writeInt(20000);
    h.write(new byte[] {8, 0, 0, 0, 0});
    chunk(out, "IHDR", ihdr.toByteArray());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 3, 0, 0, 0, 0, 1});
    chunk(out, "IEND", new byte[0]);
    Path file = Files.write(dir.resolve("bomb.png"), bytes.toByteArray());
    assertThatThrownBy(() -> Images.readGray(file, ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "image file "
                + file
                + " is 20000x20000 pixels; at most Images.MAX_PIXELS = 16777216 are decoded");
  }

  @Test
  void writingToADirectoryIsRefusedAndKeepsTheDirectory() throws Exception {
    Path folder = Files.createDirectory(dir.resolve("out.png"));
    Files.writeString(folder.resolve("keep.txt"), "keep");
    assertThatThrownBy(
            () -> Images.write(Tensor.zeros(1, 1, 4, 4), 0, ValueRange.ZERO_TO_ONE, folder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("path must be an image file, but is a directory: " + folder);
    assertThat(folder.resolve("keep.txt")).hasContent("keep");
  }

  @Test
  void aDirectoryIsNotReadAsAnImage() throws Exception {
    Path folder = Files.createDirectory(dir.resolve("in.png"));
    assertThatThrownBy(() -> Images.readRgb(folder, ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("image file is a directory: " + folder);
  }

  @Test
  void gridsLargerThanTheImageLimitAreRefused() {
    BufferedImage tile = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    assertThatThrownBy(
            () -> ImageGrid.render(java.util.List.of(tile, tile), 2, Integer.MAX_VALUE, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("scale must be <= ");
    assertThatThrownBy(() -> ImageGrid.render(java.util.List.of(tile), 1, 200, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Images.MAX_PIXELS");
  }

  private Path idx(String name, int magic, int... dimsThenData) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    for (int v : dimsThenData) {
      out.writeInt(v);
    }
    return Files.write(dir.resolve(name), bytes.toByteArray());
  }

  @Test
  void idxHeadersThatLieAreRefusedNamingTheFile() throws Exception {
    Path labels = idx("labels", 0x801, 1, 0x05000000); // one label: 5
    Path negative = idx("negative", 0x803, -1, 28, 28);
    assertThatThrownBy(() -> MnistDigits.read(negative, labels))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "IDX file " + negative + " has dimension 0 = -1; it must be in [1, 2147483647]");
    Path huge = idx("huge", 0x803, 65536, 4096, 4096);
    assertThatThrownBy(() -> MnistDigits.read(huge, labels))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("IDX file " + huge + " has dimensions [65536, 4096, 4096]")
        .hasMessageContaining("at most 1073741824 are read");
    Path short1 = idx("short", 0x803, 2, 28, 28);
    assertThatThrownBy(() -> MnistDigits.read(short1, labels))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "IDX file "
                + short1
                + " has dimensions [2, 28, 28] (1568 bytes), but 0 follow the header");
  }

  @Test
  void idxLabelsThatAreNotDigitsAreRefused() throws Exception {
    Path images = Files.write(dir.resolve("img"), new byte[16 + 784]);
    ByteBuffer.wrap(Files.readAllBytes(images));
    byte[] header = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28};
    byte[] all = new byte[16 + 784];
    System.arraycopy(header, 0, all, 0, 16);
    Files.write(images, all);
    Path labels = Files.write(dir.resolve("lab"), new byte[] {0, 0, 8, 1, 0, 0, 0, 1, (byte) 200});
    assertThatThrownBy(() -> MnistDigits.read(images, labels))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("labelsFile must hold digits 0-9, but label 0 is 200: " + labels);
  }
}
