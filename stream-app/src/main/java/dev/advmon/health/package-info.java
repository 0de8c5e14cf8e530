/**
 * Health that tells the truth: readiness (Streams RUNNING, broker and registry answering, input not stalled,
 * scoring working) and liveness (only a wedged process), each with its reasons, probed in the background and
 * logged when they change.
 */
package dev.advmon.health;
