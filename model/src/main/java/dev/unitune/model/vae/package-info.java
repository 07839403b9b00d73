/**
 * diffusers' AutoencoderKL (the Stable Diffusion image encoder/decoder) built from its config.json, with the
 * diffusers state-dict names; posterior as {@link dev.unitune.model.vae.LatentDistribution}; optional tiled decode.
 */
package dev.unitune.model.vae;
