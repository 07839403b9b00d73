/**
 * {@link dev.unitune.model.sd.StableDiffusion}: tokenizer, text encoder, UNet, VAE and scheduler config loaded
 * together from a diffusers folder or an original single-file checkpoint.
 */
package dev.unitune.model.sd;
