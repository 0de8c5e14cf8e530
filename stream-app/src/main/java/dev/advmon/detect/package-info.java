/**
 * Detectors that tell when a confident prediction rests on nonsensical signals; each contributes probes to the frame's
 * single batched inference call, and the consensus detector combines the others' scores on the same frame.
 */
package dev.advmon.detect;
