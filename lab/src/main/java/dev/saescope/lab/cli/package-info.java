/**
 * Command-line tools of the SAE runtime ({@code sae-encode}, {@code bench sae}): parse options,
 * call the library, print results, return exit codes. No SAE logic lives here.
 */
package dev.saescope.lab.cli;
