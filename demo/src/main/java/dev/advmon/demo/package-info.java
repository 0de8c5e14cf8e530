/**
 * {@code ./monitor demo}: an in-process Kafka broker, an in-memory schema registry, the real topology with the
 * bundled model, and a replay of the evaluation images as several cameras with a labelled mix of clean,
 * attacked and malformed frames; progress while it runs and a summary against the known labels at the end.
 */
package dev.advmon.demo;
