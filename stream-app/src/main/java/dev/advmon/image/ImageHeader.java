package dev.advmon.image;

/**
 * What a PNG or JPEG header says about the image, read by this package without ImageIO so that the size
 * limits are checked before any decoder allocates pixel memory.
 *
 * @param width declared width; long because PNG stores an unsigned 32-bit value
 * @param height declared height
 * @param components samples per pixel as stored (PNG: including alpha; JPEG: frame components)
 * @param bitDepth PNG bit depth or JPEG sample precision
 * @param variant PNG colour type or JPEG SOF marker code
 * @param detail a short description for error messages, e.g. "bit depth 16, colour type 2 (truecolour)"
 */
record ImageHeader(ImageFormat format, long width, long height, int components, int bitDepth, int variant,
    String detail) {}
