package dev.saescope.runtime.model;

/**
 * One vocabulary entry's score at one position.
 *
 * @param id token id
 * @param logit the (soft-capped) logit
 * @param logprob log-softmax over the whole vocabulary; {@code NaN} when only chosen ids were
 *     scored and the normaliser is unknown
 */
public record TokenScore(int id, float logit, float logprob) {}
