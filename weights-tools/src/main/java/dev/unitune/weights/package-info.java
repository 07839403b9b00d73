/**
 * Reading and writing model weights safely.
 *
 * <ul>
 *   <li>{@link dev.unitune.weights.WeightSources#open(java.nio.file.Path)} opens any supported file or
 *       folder by content: safetensors ({@link dev.unitune.weights.SafetensorsFile}, memory-mapped and
 *       validated), {@code *.safetensors.index.json} shards, torch {@code .pth/.pt/.ckpt} zip and legacy
 *       files (restricted unpickler, package {@code torch}), diffusers folders (package {@code diffusers}).</li>
 *   <li>Every source is a {@link dev.unitune.weights.WeightSource}: names in file order, {@code info}
 *       without reading data, {@code load}/{@code loadAs} into tensors, {@code bytes} for raw copies.</li>
 *   <li>{@link dev.unitune.weights.SafetensorsWriter} writes atomically; {@link dev.unitune.weights.WeightsConverter}
 *       and {@link dev.unitune.weights.WeightsInspector} back the {@code unitune weights} commands; package
 *       {@code sd} converts original single-file Stable Diffusion checkpoints with a key map kept as data.</li>
 *   <li>Every problem is a one-line {@link dev.unitune.weights.WeightsFormatException} naming the file,
 *       the tensor and the offending value.</li>
 * </ul>
 */
package dev.unitune.weights;
