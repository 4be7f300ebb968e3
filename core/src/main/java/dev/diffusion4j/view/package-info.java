/**
 * The views of a visual anagram, each with its inverse.
 *
 * <pre>{@code
 * diffusion.pipeline().label(6).anagram(Condition.label(9), View.ROT180).generate();
 * }</pre>
 */
package dev.diffusion4j.view;
