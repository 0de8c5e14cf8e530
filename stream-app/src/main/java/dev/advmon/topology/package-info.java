/**
 * The Kafka Streams topology: frames -> decode and validate -> score -> verdicts -> alerts, with a dead-letter topic for what cannot be read. Built by a pure function.
 */
package dev.advmon.topology;
