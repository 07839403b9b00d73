/**
 * diffusers' UNet2DConditionModel (Stable Diffusion 1.x / 2.x denoiser) built from its config.json, with the
 * diffusers state-dict names. Entry points: {@link dev.unitune.model.unet.UNetConfig#fromJson},
 * {@link dev.unitune.model.unet.UNet2DConditionModel}. The building blocks (ResnetBlock2D, Transformer2DModel,
 * Upsampler) are reused by the VAE.
 */
package dev.unitune.model.unet;
