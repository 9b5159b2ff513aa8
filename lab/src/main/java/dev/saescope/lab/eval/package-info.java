/**
 * SAE quality metrics with the SAELens/SAEBench definitions (L0, FVU, dead fraction, CE delta, loss
 * recovered) and the interface a model must implement so they can be measured with the SAE spliced
 * into its forward pass. It does not run models itself.
 */
package dev.saescope.lab.eval;
