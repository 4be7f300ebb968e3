package dev.diffusion4j.examples;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * The settings of part A's techniques for one model: the MNIST class-conditioned UNet (a digit is
 * the condition; the write-up's settings rescaled from T = 1000 to T = 300) or DeepFloyd IF
 * (prompts; the write-up's own settings).
 */
final class Study {

  final String name;
  final Diffusion diffusion;
  final ValueRange range;
  final Tensor testImage;
  final String testName;
  final Condition testCondition;
  final Timesteps strided;
  final int[] levels;
  final int iStart;
  final int[] sdeditStarts;
  final double guidance;
  final GaussianBlur baseline;
  final Mask mask;
  final Condition inpaintCondition;
  final Condition[][] translations;
  final Tensor[] drawings;
  final Condition[] drawingConditions;
  final Condition[] samplingConditions;
  final Condition[][] anagrams;
  final View[] anagramViews;
  final Condition[] hybrid;

  /**
   * A pipeline over the study's strided timesteps with DDPM, or as many steps of another sampler.
   */
  dev.diffusion4j.Pipeline pipeline(dev.diffusion4j.SamplerSettings sampler) {
    dev.diffusion4j.Pipeline p = diffusion.pipeline();
    return sampler.sampler() == dev.diffusion4j.Sampler.DDPM
        ? p.timesteps(strided)
        : p.sampler(sampler).steps(strided.steps());
  }

  private Study(Builder b) {
    this.name = b.name;
    this.diffusion = b.diffusion;
    this.range = b.range;
    this.testImage = b.testImage;
    this.testName = b.testName;
    this.testCondition = b.testCondition;
    this.strided = b.strided;
    this.levels = b.levels;
    this.iStart = b.iStart;
    this.sdeditStarts = b.sdeditStarts;
    this.guidance = b.guidance;
    this.baseline = b.baseline;
    this.mask = b.mask;
    this.inpaintCondition = b.inpaintCondition;
    this.translations = b.translations;
    this.drawings = b.drawings;
    this.drawingConditions = b.drawingConditions;
    this.samplingConditions = b.samplingConditions;
    this.anagrams = b.anagrams;
    this.anagramViews = b.anagramViews;
    this.hybrid = b.hybrid;
  }

  private static final class Builder {
    String name;
    Diffusion diffusion;
    ValueRange range;
    Tensor testImage;
    String testName;
    Condition testCondition;
    Timesteps strided;
    int[] levels;
    int iStart;
    int[] sdeditStarts;
    double guidance;
    GaussianBlur baseline;
    Mask mask;
    Condition inpaintCondition;
    Condition[][] translations;
    Tensor[] drawings;
    Condition[] drawingConditions;
    Condition[] samplingConditions;
    Condition[][] anagrams;
    View[] anagramViews;
    Condition[] hybrid;
  }

  boolean isIf() {
    return name.equals("IF");
  }

  static Study mnist(Context ctx) {
    Builder b = new Builder();
    b.name = "MNIST";
    b.diffusion = ctx.diffusion("class", 20);
    b.range = ValueRange.ZERO_TO_ONE;
    b.testImage = ctx.digit(3);
    b.testName = "a held-out “3”";
    b.testCondition = Condition.label(3);
    b.strided = Timesteps.strided(300, 10);
    b.levels = new int[] {75, 150, 225};
    b.iStart = 10;
    b.sdeditStarts = new int[] {1, 3, 5, 7, 10, 20};
    b.guidance = 5;
    b.baseline = new GaussianBlur(3, 2.0 * 28 / 64);
    b.mask = Mask.rectangle(28, 28, 3, 4, 14, 24);
    b.inpaintCondition = Condition.label(7);
    b.translations =
        new Condition[][] {
          {Condition.label(3), Condition.label(8)}, {Condition.label(4), Condition.label(9)}
        };
    b.drawings = new Tensor[] {drawnDigit(0), drawnDigit(1), drawnDigit(2)};
    b.drawingConditions =
        new Condition[] {Condition.label(7), Condition.label(0), Condition.label(4)};
    b.samplingConditions = new Condition[10];
    for (int d = 0; d < 10; d++) {
      b.samplingConditions[d] = Condition.label(d);
    }
    b.anagrams =
        new Condition[][] {
          {Condition.label(6), Condition.label(9)}, {Condition.label(2), Condition.label(5)}
        };
    b.anagramViews = new View[] {View.ROT180, View.FLIP};
    b.hybrid = new Condition[] {Condition.label(8), Condition.label(1)};
    return new Study(b);
  }

  static Study deepFloyd(Context ctx, Path ifModels, Path image) {
    Builder b = new Builder();
    b.name = "IF";
    b.diffusion = Diffusion.deepFloyd(ifModels, ctx.settings);
    b.range = ValueRange.MINUS_ONE_TO_ONE;
    b.testImage =
        image != null
            ? Images.readRgb(image, ValueRange.MINUS_ONE_TO_ONE).resizeBilinear(64, 64)
            : drawnScene();
    b.testName = image != null ? "the test image" : "a drawn test scene (a tower under a sky)";
    b.testCondition = Condition.prompt("a high quality photo");
    b.strided = Timesteps.IF_DEFAULT;
    b.levels = new int[] {250, 500, 750};
    b.iStart = 10;
    b.sdeditStarts = new int[] {1, 3, 5, 7, 10, 20};
    b.guidance = 7;
    b.baseline = new GaussianBlur(5, 2.0);
    b.mask = Mask.rectangle(64, 64, 2, 24, 20, 42);
    b.inpaintCondition = Condition.prompt("a high quality photo");
    b.translations =
        new Condition[][] {
          {Condition.prompt("a high quality photo"), Condition.prompt("a rocket ship")},
          {Condition.prompt("a high quality photo"), Condition.prompt("a pencil")},
          {Condition.prompt("a high quality photo"), Condition.prompt("a photo of a dog")}
        };
    b.drawings = new Tensor[] {drawnScene()};
    b.drawingConditions = new Condition[] {Condition.prompt("a high quality photo")};
    b.samplingConditions = new Condition[5];
    for (int i = 0; i < 5; i++) {
      b.samplingConditions[i] = Condition.prompt("a high quality photo");
    }
    b.anagrams =
        new Condition[][] {
          {
            Condition.prompt("an oil painting of an old man"),
            Condition.prompt("an oil painting of people around a campfire")
          }
        };
    b.anagramViews = new View[] {View.FLIP};
    b.hybrid =
        new Condition[] {
          Condition.prompt("a lithograph of a skull"),
          Condition.prompt("a lithograph of waterfalls")
        };
    return new Study(b);
  }

  String label(Condition c) {
    return c instanceof Condition.Label l
        ? "“" + l.value() + "”"
        : "“" + ((Condition.Prompt) c).text() + "”";
  }

  /** Strokes drawn with Java2D at 28x28: stand-ins for the write-up's hand-drawn images. */
  static Tensor drawnDigit(int which) {
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.setStroke(new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      Path2D p = new Path2D.Float();
      switch (which) {
        case 0 -> { // a seven: a bar and a slanted stem
          p.moveTo(7, 7);
          p.lineTo(21, 7);
          p.lineTo(12, 22);
        }
        case 1 -> g.drawOval(9, 5, 10, 17); // a zero
        default -> { // a four: open top, crossbar, stem
          p.moveTo(16, 5);
          p.lineTo(8, 16);
          p.lineTo(21, 16);
          p.moveTo(17, 9);
          p.lineTo(17, 23);
        }
      }
      g.draw(p);
    } finally {
      g.dispose();
    }
    return Images.fromImage(img, 1, ValueRange.ZERO_TO_ONE);
  }

  /** A 64x64 colour scene drawn with Java2D: sky, ground and a tower. */
  static Tensor drawnScene() {
    BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setPaint(new GradientPaint(0, 0, new Color(90, 140, 220), 0, 44, new Color(200, 220, 245)));
      g.fillRect(0, 0, 64, 44);
      g.setColor(new Color(70, 120, 60));
      g.fillRect(0, 44, 64, 20);
      g.setColor(new Color(225, 215, 190));
      g.fillRect(27, 14, 10, 34);
      g.fillPolygon(new int[] {25, 32, 39}, new int[] {15, 4, 15}, 3);
      g.setColor(new Color(60, 50, 40));
      g.fillRect(30, 20, 4, 5);
    } finally {
      g.dispose();
    }
    return Images.fromImage(img, 3, ValueRange.MINUS_ONE_TO_ONE);
  }

  static List<Condition> repeat(Condition c, int n) {
    return java.util.Collections.nCopies(n, c);
  }
}
