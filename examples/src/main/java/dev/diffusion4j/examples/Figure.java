package dev.diffusion4j.examples;

/**
 * One figure a section wrote.
 *
 * @param file the file name, relative to the section's folder
 * @param caption what it shows and the settings used
 */
record Figure(String file, String caption) {}
