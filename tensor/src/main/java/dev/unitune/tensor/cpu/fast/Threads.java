package dev.unitune.tensor.cpu.fast;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The one thread pool shared by every CPU kernel. Size = {@code -Dunitune.threads} or the number of cores.
 * Kernels split work into a fixed number of parts decided by the caller (never by the pool's mood), so a
 * result never depends on scheduling: each part writes its own disjoint output.
 */
public final class Threads {
    private static volatile int threadCount = resolveCount();
    private static volatile ForkJoinPool sharedPool = newPool(threadCount);

    private Threads() {}

    /** True on a calling thread while it runs parts of a parallel loop. */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    /** The caller always works too, so the pool holds count - 1 workers (none for one thread). */
    private static ForkJoinPool newPool(int count) {
        return count > 1 ? new ForkJoinPool(count - 1, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("unitune-cpu-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false) : null;
    }

    /**
     * Changes the thread count (benchmarks and the CLI's --threads). Call it while no kernel runs: the old
     * pool finishes what it has and is shut down. Results do not depend on the count, only the speed.
     */
    public static synchronized void setCount(int count) {
        if (count < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + count);
        if (count == threadCount) return;
        ForkJoinPool old = sharedPool;
        sharedPool = newPool(count);
        threadCount = count;
        if (old != null) old.shutdown();
    }

    private static int resolveCount() {
        String prop = System.getProperty("unitune.threads");
        if (prop != null && !prop.isBlank()) {
            try {
                int n = Integer.parseInt(prop.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) { /* fall through to the error */ }
            throw new IllegalArgumentException("-Dunitune.threads must be a positive integer, got '" + prop + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Number of worker threads kernels may use. */
    public static int count() { return threadCount; }

    /**
     * Runs body(i) for every i in [0, parts). Up to {@link #count()} threads (the caller plus pool workers)
     * take parts from a shared counter, so uneven parts balance out. Each part must write its own disjoint
     * output, which makes the result independent of which thread ran which part. Calls from inside a
     * worker, or from the caller while it runs its parts, run inline: nested parallel kernels cannot deadlock
     * the pool, and the outer loop already keeps every thread busy.
     */
    public static void parallelFor(int parts, IntConsumer body) {
        if (parts <= 0) return;
        ForkJoinPool pool = sharedPool;
        int count = threadCount;
        if (parts == 1 || pool == null || count == 1 || ForkJoinTask.inForkJoinPool() || INSIDE.get()) {
            for (int i = 0; i < parts; i++) body.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        // Failures are caught where they happen (the first one wins, later ones are attached to it), so the
        // caller sees the original exception rather than the pool's re-wrapped copy.
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Runnable worker = () -> {
            try {
                for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) body.accept(i);
            } catch (Throwable t) {
                next.set(parts); // stop everyone from starting new parts
                if (!failed.compareAndSet(null, t)) failed.get().addSuppressed(t);
            }
        };
        int helpers = Math.min(parts, count) - 1;
        List<ForkJoinTask<?>> tasks = new ArrayList<>(helpers);
        for (int i = 0; i < helpers; i++) {
            try {
                tasks.add(pool.submit(worker));
            } catch (RejectedExecutionException e) {
                break; // the pool was replaced by setCount meanwhile: the caller's loop below takes every part
            }
        }
        INSIDE.set(true); // the caller's parts run nested kernels inline, like the workers do
        try {
            worker.run();
        } finally {
            INSIDE.set(false);
        }
        for (ForkJoinTask<?> task : tasks) task.join();
        Throwable failure = failed.get();
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new RuntimeException(failure);
    }
}
