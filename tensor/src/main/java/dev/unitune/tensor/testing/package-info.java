/**
 * The property harness, public so that other modules (the GPU kernels) and users test their backends the same
 * way: {@link dev.unitune.tensor.testing.TensorGen} builds shapes and strided/broadcast views on any backend,
 * {@link dev.unitune.tensor.testing.ReferenceOps} is the naive double reference,
 * {@link dev.unitune.tensor.testing.Tolerance} says how close is close enough and why, and
 * {@link dev.unitune.tensor.testing.BackendOpSuite} is the table of op cases that runs against any backend.
 * Everything but {@link dev.unitune.tensor.testing.Property} (the QuickTheories runner) is framework-neutral
 * plain Java: a case is {@code run(backend, dtype, seed, size)} and throws AssertionError when it fails, so
 * jqwik, JUnit loops or a main method can drive the same properties.
 */
package dev.unitune.tensor.testing;
