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
    private static volatile int threadCount = resolveCount();
    private static volatile ForkJoinPool sharedPool = newPool(threadCount);

    private Threads() {}

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
     * worker run inline, so nested parallel kernels cannot deadlock the pool.
     */
    public static void parallelFor(int parts, IntConsumer body) {
        if (parts <= 0) return;
        ForkJoinPool pool = sharedPool;
        int count = threadCount;
        if (parts == 1 || pool == null || count == 1 || ForkJoinTask.inForkJoinPool()) {
            for (int i = 0; i < parts; i++) body.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) body.accept(i);
        };
        int helpers = Math.min(parts, count) - 1;
        List<ForkJoinTask<?>> tasks = new ArrayList<>(helpers);
        for (int i = 0; i < helpers; i++) tasks.add(pool.submit(worker));
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
