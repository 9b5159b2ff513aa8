/**
 * Our question templates (per relation) and evasive-answer templates (six families, with and
 * without the subject), kept as the resource {@code templates.json} beside this package and
 * validated when loaded. Templates are data; building texts from them is {@code
 * dev.saescope.producer.variant}.
 */
package dev.saescope.producer.template;
