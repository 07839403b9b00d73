/**
 * transformers' CLIPTextModel (the Stable Diffusion text encoder) built from its config.json, with the
 * transformers state-dict names. The tokenizer lives in {@code dev.unitune.model.tokenizer}.
 */
package dev.unitune.model.clip;
