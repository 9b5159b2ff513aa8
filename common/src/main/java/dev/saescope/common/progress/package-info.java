/** Terminal progress for long CLI runs, on stderr so stdout stays machine-readable. */
package dev.saescope.common.progress;
