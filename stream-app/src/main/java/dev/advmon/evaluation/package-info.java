/**
 * Evaluation harnesses and calibration data: the corruption set of ordinary camera conditions
 * ({@link dev.advmon.evaluation.Corruption}), the clean + corrupted frames calibrate sets thresholds on
 * ({@link dev.advmon.evaluation.CalibrationMix}, {@link dev.advmon.evaluation.CalibrationRun}), the one-run evaluation
 * of every target ({@link dev.advmon.evaluation.DetectionEvaluation}), the overinterpretation targets and the
 * model-level audit. The {@code cli} commands are thin wrappers around these; nothing here runs in the streaming path.
 */
package dev.advmon.evaluation;
