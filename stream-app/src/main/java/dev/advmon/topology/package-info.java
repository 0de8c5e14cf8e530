/**
 * The Kafka Streams topology: frames -> decode and validate -> score -> verdicts -> alerts, with a dead-letter topic for what cannot be read. Built by a pure function.
 * Also the monitor's access to Kafka around it: the start-up topic check ({@link dev.advmon.topology.TopicAdmin}), what a
 * failure means ({@link dev.advmon.topology.Failures}), and what to grant when the broker refuses an ACL
 * ({@link dev.advmon.topology.AclAdvice}, which {@code monitor redrive} uses too).
 */
package dev.advmon.topology;
