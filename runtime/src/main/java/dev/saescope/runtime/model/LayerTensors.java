package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer's weights on the engine, in Hugging Face orientation ({@code [out, in]}, used
 * with {@code linear}, i.e. {@code x @ W^T} as {@code nn.Linear} does). Norm weights are the
 * effective scales {@code 1 + w}.
 *
 * @param inputNorm [dModel]
 * @param qkv q, k and v projections stacked along the output: [(nHeads + 2 nKvHeads) headDim,
 *     dModel]
 * @param qNorm [headDim], or null without q/k norm
 * @param kNorm [headDim], or null without q/k norm
 * @param o [dModel, nHeads headDim]
 * @param postAttnNorm [dModel]
 * @param preMlpNorm [dModel]
 * @param gateUp gate and up projections stacked along the output: [2 dMlp, dModel]
 * @param down [dModel, dMlp]
 * @param postMlpNorm [dModel]
 */
record LayerTensors(
    NDArray inputNorm,
    NDArray qkv,
    NDArray qNorm,
    NDArray kNorm,
    NDArray o,
    NDArray postAttnNorm,
    NDArray preMlpNorm,
    NDArray gateUp,
    NDArray down,
    NDArray postMlpNorm) {}
