package dev.unitune.tensor.cpu.fast;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The one thread pool shared by every CPU kernel. Size = {@code -Dunitune.threads} or the number of cores.
 * Kernels split work into a fixed number of parts decided by the caller (never by the pool's mood), so a
 * result never depends on scheduling: each part writes its own disjoint output.
 */
public final class Threads {
    private static final int COUNT = resolveCount();
    // The caller always works too, so the pool holds COUNT - 1 workers.
    private static final ForkJoinPool POOL = COUNT > 1 ? new ForkJoinPool(COUNT - 1, pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("unitune-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false) : null;

    private Threads() {}

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
    public static int count() { return COUNT; }

    /**
     * Runs body(i) for every i in [0, parts). Up to {@link #count()} threads (the caller plus pool workers)
     * take parts from a shared counter, so uneven parts balance out. Each part must write its own disjoint
     * output, which makes the result independent of which thread ran which part. Calls from inside a
     * worker run inline, so nested parallel kernels cannot deadlock the pool.
     */
    public static void parallelFor(int parts, IntConsumer body) {
        if (parts <= 0) return;
        if (parts == 1 || POOL == null || ForkJoinTask.inForkJoinPool()) {
            for (int i = 0; i < parts; i++) body.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) body.accept(i);
        };
        int helpers = Math.min(parts, COUNT) - 1;
        List<ForkJoinTask<?>> tasks = new ArrayList<>(helpers);
        for (int i = 0; i < helpers; i++) tasks.add(POOL.submit(worker));
        Throwable failure = null;
        try {
            worker.run();
        } catch (Throwable t) {
            failure = t;
            next.set(parts); // stop the helpers from starting new parts
        }
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (Throwable t) {
                if (failure == null) failure = t; else failure.addSuppressed(t);
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new RuntimeException(failure);
    }
}
