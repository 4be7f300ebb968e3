/**
 * The views of a visual anagram, each with its inverse, and the components of a factorized
 * diffusion illusion.
 *
 * <p>{@link dev.diffusion4j.view.View}s (reduction "mean") are orthogonal maps of the image: flips,
 * rotations, negation and visual_anagrams' permutations ({@link
 * dev.diffusion4j.view.PermutationView}: skew, patch_permute, pixel_permute, jigsaw, inner_circle,
 * square_hinge), which work at every square size. {@link dev.diffusion4j.view.Component}s
 * (reduction "sum") take one part of a noise estimate; a {@link dev.diffusion4j.view.Factorization}
 * sums one per prompt. {@link dev.diffusion4j.view.ViewTable} names them all with their arguments.
 *
 * <pre>{@code
 * diffusion.pipeline().label(6).anagram(Condition.label(9), View.ROT180).generate();
 * View puzzle = ViewTable.view("jigsaw");
 * puzzle.check(1, 28, 28);                                 // fails here, not mid-run, if it cannot work
 * Factorization colour = Factorization.parse("grayscale", "color");
 * }</pre>
 */
package dev.diffusion4j.view;
