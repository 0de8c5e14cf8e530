/**
 * The monitor's own metrics (frames, inference latency, forward passes, alerts, dead letters) and the Kafka
 * Streams client metrics, in Micrometer, exported in the Prometheus text format at {@code /metrics}.
 */
package dev.advmon.metrics;
