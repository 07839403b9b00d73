package dev.unitune.tensor.cpu.fast;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

class ThreadsTest {
    @Test
    void everyPartRunsExactlyOnceAlsoWhenNested() {
        int original = Threads.count();
        try {
            Threads.setCount(3);
            AtomicIntegerArray hits = new AtomicIntegerArray(50 * 7);
            Threads.parallelFor(50, i -> Threads.parallelFor(7, j -> hits.incrementAndGet(i * 7 + j)));
            for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), "part " + i);
        } finally {
            Threads.setCount(original);
        }
    }

    @Test
    void aFailingPartFailsTheLoopWithItsException() {
        int original = Threads.count();
        try {
            Threads.setCount(2);
            var e = assertThrows(IllegalStateException.class, () -> Threads.parallelFor(20, i -> {
                if (i == 13) throw new IllegalStateException("part 13 failed");
            }));
            assertEquals("part 13 failed", e.getMessage());
            // the pool is still usable afterwards
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            Threads.parallelFor(10, hits::incrementAndGet);
            for (int i = 0; i < 10; i++) assertEquals(1, hits.get(i));
        } finally {
            Threads.setCount(original);
        }
    }

    @Test
    void partsReallyRunAtTheSameTime() {
        int original = Threads.count();
        try {
            Threads.setCount(2);
            // Two parts that can only finish if both are running at once.
            java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
            Threads.parallelFor(2, i -> {
                try {
                    both.await(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("part " + i + " never met the other: parts ran one after the other", e);
                }
            });
        } finally {
            Threads.setCount(original);
        }
    }

    @Test
    void rejectsANonPositiveCount() {
        var e = assertThrows(IllegalArgumentException.class, () -> Threads.setCount(0));
        assertTrue(e.getMessage().contains("must be >= 1"), e.getMessage());
    }
}
