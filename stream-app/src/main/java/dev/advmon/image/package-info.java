/**
 * Image decoding that is safe against hostile input (size limits checked from the header before any pixel is decoded) and conversion of decoded frames to a model's input size and channels.
 */
package dev.advmon.image;
