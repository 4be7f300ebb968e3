package com.example;

import dev.diffusion4j.Condition;
import dev.diffusion4j.ConsoleProgress;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.Inpainting;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Sampler;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

/** README's "The API on one screen", as a program of a fresh project: writes PNGs to out/. */
public class App {

  public static void main(String[] args) {
    // README: begin
    try (Diffusion diffusion = Diffusion.mnist()) { // the shipped class-conditioned UNet
      Path out = Path.of("out");

      // sampling with classifier-free guidance: four 7s, 50 steps, with a progress line
      Generation sevens =
          diffusion.pipeline().label(7).guidance(5).steps(50).samples(4).seed(42)
              .progress(ConsoleProgress.toStandardError())
              .generate();
      sevens.save(out, "seven-%d.png"); // 28x28 grayscale PNGs, clamped to [0, 1]
      Images.write(sevens.grid(4, 4), out.resolve("sevens.png")); // one row, 4x

      // SDEdit / translation: a 3 (drawn by the model) noised to timesteps[10], denoised as an 8
      Tensor three = diffusion.pipeline().label(3).steps(50).seed(3).generate().images();
      diffusion.pipeline().label(8).timesteps(Timesteps.strided(300, 10)).image(three, 10)
          .seed(1).generate().save(out, "three-as-eight-%d.png");

      // inpainting: regenerate a rectangle of the 3 as a 7, keep the rest
      diffusion.pipeline().label(7).steps(50).image(three, 0)
          .mask(Mask.rectangle(28, 28, 3, 4, 14, 24)).seed(2).generate()
          .save(out, "inpainted-%d.png");

      // your own drawing, any size: dark strokes on white (so invert = true), SDEdit at strength 0.6
      BufferedImage drawing = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = drawing.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 200, 200);
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(20));
      g.drawArc(50, 25, 100, 75, -90, 270);
      g.drawArc(50, 100, 100, 75, -180, 270);
      g.dispose();
      Path mine = out.resolve("my-three.png");
      Images.write(drawing, mine);
      diffusion.pipeline().label(3).image(mine, true).strength(0.6).steps(50).seed(6).generate()
          .save(out, "my-three-sdedit-%d.png", 4); // 112x112, nearest neighbour

      // inpainting with a painted mask (white = regenerate), resized as the image is
      BufferedImage paint = new BufferedImage(100, 100, BufferedImage.TYPE_BYTE_GRAY);
      Graphics2D brush = paint.createGraphics();
      brush.setColor(Color.WHITE);
      brush.fillRect(0, 50, 100, 50); // the lower half
      brush.dispose();
      diffusion.pipeline().label(5).image(mine, true).mask(Mask.fromImage(paint, 28, 28))
          .inpainting(Inpainting.DIFFUSERS).sampler(Sampler.DPM_SOLVER_PP).steps(20).seed(7)
          .generate().save(out, "my-three-inpainted-%d.png");

      // a visual anagram: a 6 upright that is a 9 turned by 180 degrees
      diffusion.pipeline().label(6).anagram(Condition.label(9), View.ROT180).steps(50).seed(4)
          .generate().save(out, "anagram-%d.png");

      // a hybrid: an 8 from afar, a 1 up close
      diffusion.pipeline().label(8).hybrid(Condition.label(1)).steps(50).seed(5)
          .generate().save(out, "hybrid-%d.png");

      // sweeps: freeze, copy, change one setting
      Pipeline twos = diffusion.pipeline().label(2).steps(30);
      for (long seed = 1; seed <= 4; seed++) {
        twos.toBuilder().seed(seed).generate().save(out, "two-seed" + seed + "-%d.png");
      }
    }
    // README: end
    System.out.println("wrote the images to " + Path.of("out").toAbsolutePath());
  }
}
