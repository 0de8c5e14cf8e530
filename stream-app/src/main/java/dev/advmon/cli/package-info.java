/**
 * Command line: the {@code monitor} launcher's subcommands (score, run, ...) and start-up wiring. Owns nothing else: every command delegates to the capability packages.
 */
package dev.advmon.cli;
