/**
 * Where model files come from: saescope's own cache ({@code SAESCOPE_HOME}) with the provisioned
 * offline model ({@code fetch-model}) and its alias, and the Hugging Face hub ({@code hf:} specs)
 * through the standard Hugging Face cache layout. It finds and downloads files; reading them is the
 * {@code weights} package's job.
 */
package dev.saescope.runtime.hub;
