package dev.unitune.model.schedulers;

import dev.unitune.tensor.Tensor;

/** One denoising step: the sample at the previous (less noisy) timestep and the predicted clean sample. */
public record StepOutput(Tensor prevSample, Tensor predOriginalSample) {}
