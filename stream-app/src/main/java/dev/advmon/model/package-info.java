/**
 * Model bundles (manifest + ONNX), engine selection (TensorRT, ONNX Runtime) through DJL, and the batched inference boundary: one call scores many images.
 */
package dev.advmon.model;
