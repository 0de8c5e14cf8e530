/**
 * Detectors that tell when a confident prediction rests on nonsensical signals; each contributes probes to the frame's single batched inference call.
 */
package dev.advmon.detect;
