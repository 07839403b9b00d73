/**
 * Fast float32 CPU kernels on the Vector API ({@code jdk.incubator.vector}), called by the CPU backend
 * where the time goes.
 *
 * <ul>
 *   <li>{@link dev.unitune.tensor.cpu.fast.Sgemm}: packed, register-blocked, multi-threaded SGEMM
 *       (driver {@code PackedGemm}, packing {@code GemmPacking}, 6 x 2-vector micro-kernel {@code GemmKernel}).</li>
 *   <li>{@link dev.unitune.tensor.cpu.fast.FastConv2d}: conv2d and both gradients; Winograd F(2x2,3x3)
 *       for stride-1 3x3 convolutions ({@code Winograd}, fused per tile block for small layers in
 *       {@code WinogradFused}, {@code WinogradWeightGrad}), im2col + SGEMM
 *       otherwise ({@code Im2col}), plain SGEMM for 1x1.</li>
 *   <li>{@link dev.unitune.tensor.cpu.fast.VecKernels}: row softmax, log-softmax, normalisation, with our
 *       own polynomial exp ({@link dev.unitune.tensor.cpu.fast.FastMath}).</li>
 *   <li>{@link dev.unitune.tensor.cpu.fast.Threads}: the shared pool ({@code -Dunitune.threads}).</li>
 * </ul>
 *
 * Reproducibility: a call gives the same bits every time, whatever the thread count, interpreted or
 * compiled. Work is split so each output is computed by one thread in a fixed order; sums over vector
 * lanes run in lane order (never {@code reduceLanes(ADD)}), and exp is ours (never {@code lanewise(EXP)},
 * which C2 maps to a different implementation than the interpreter). Different shapes may take
 * different paths (and so round differently); the same shape always takes the same one.
 */
package dev.unitune.tensor.cpu.fast;
