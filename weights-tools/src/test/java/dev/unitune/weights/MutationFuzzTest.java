package dev.unitune.weights;

import dev.unitune.weights.torch.TorchFiles;
import dev.unitune.weights.torch.TorchLegacyFileTest;
import dev.unitune.weights.torch.TorchZipFileTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded mutation fuzzing of every reader: valid small files get bytes flipped, inserted or deleted, and
 * each outcome must be a clean load (every tensor decodes) or a clean one-line WeightsFormatException:
 * never another exception, a hang or an out-of-memory. -Dweights.fuzz.iterations=N runs longer
 * (default 2000 in all, spread over the seed files); -Dweights.fuzz.seed=S changes the sequence.
 */
class MutationFuzzTest {
    @TempDir Path dir;

    record Seed(String fileName, byte[] bytes) {}

    private List<Seed> seeds() throws Exception {
        List<Seed> out = new ArrayList<>();
        Path st = dir.resolve("seed.safetensors");
        SafetensorsWriter.writeEntries(st, SafetensorsRoundTripTest.everyDtype(7), Map.of("format", "pt"));
        out.add(new Seed("f.safetensors", Files.readAllBytes(st)));
        Path zip = TorchFiles.checkpoint(dir.resolve("seed.pth"), TorchZipFileTest.stateDictPickle(), TorchZipFileTest.stateDictStorages());
        out.add(new Seed("f.pth", Files.readAllBytes(zip)));
        out.add(new Seed("f.pth", TorchZipFileTest.stateDictPickle())); // bare pickle bytes: exercises sniffing
        out.add(new Seed("legacy.pth", TorchLegacyFileTest.legacyVggLike(false)));
        try (var in = getClass().getResourceAsStream("/torch/sd_lightning_like.ckpt")) { // pickled by CPython
            out.add(new Seed("sd.ckpt", in.readAllBytes()));
        }
        for (Seed s : out) assertTrue(s.bytes().length < 4096, "seeds stay small so each mutation matters");
        return out;
    }

    @Test
    void everyMutationIsACleanLoadOrACleanError() throws Exception {
        int iterations = Integer.getInteger("weights.fuzz.iterations", 2000);
        long seed = Long.getLong("weights.fuzz.seed", 20261206L);
        Random rnd = new Random(seed);
        List<Seed> seeds = seeds();
        int loaded = 0, rejected = 0;
        for (int i = 0; i < iterations; i++) {
            Seed s = seeds.get(i % seeds.size());
            byte[] m = mutate(s.bytes(), rnd);
            Path f = dir.resolve(i % 2 == 0 ? s.fileName() : "x" + s.fileName());
            Files.write(f, m);
            long t0 = System.nanoTime();
            try {
                try (WeightSource w = WeightSources.open(f)) {
                    for (String n : w.names()) {
                        TensorInfo info = w.info(n);
                        WeightDType d = info.weightDType();
                        TensorDecoder.decode(w.bytes(n), d, Math.toIntExact(info.numel()), d.naturalTensorType(), n);
                    }
                }
                loaded++;
            } catch (WeightsFormatException e) {
                assertNotNull(e.getMessage());
                assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("iteration " + i + " (seed " + seed + ", file " + s.fileName() + "): " + t + " for mutated bytes "
                        + Arrays.toString(Arrays.copyOf(m, Math.min(m.length, 64))), t);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2_000, "iteration " + i + " took " + ms + " ms");
        }
        assertTrue(rejected > iterations / 4, "mutations are mostly caught: " + rejected + " rejected, " + loaded + " loaded");
        System.out.println("fuzz: " + iterations + " mutations, " + loaded + " loaded, " + rejected + " rejected");
    }

    /** 1-4 edits: flip a bit, set a byte to a boundary value, insert or delete a run of bytes. */
    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            if (b.length == 0) return b;
            int pos = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[pos] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[pos] = (byte) new int[]{0, 0xff, 0x7f, 0x80, '{', '"', '9'}[r.nextInt(7)];
                case 2 -> b[pos] = (byte) r.nextInt(256);
                case 3 -> {
                    int n = 1 + r.nextInt(8);
                    byte[] c = new byte[b.length + n];
                    System.arraycopy(b, 0, c, 0, pos);
                    for (int i = 0; i < n; i++) c[pos + i] = (byte) r.nextInt(256);
                    System.arraycopy(b, pos, c, pos + n, b.length - pos);
                    b = c;
                }
                default -> {
                    int n = Math.min(1 + r.nextInt(8), b.length - pos);
                    byte[] c = new byte[b.length - n];
                    System.arraycopy(b, 0, c, 0, pos);
                    System.arraycopy(b, pos + n, c, pos, b.length - pos - n);
                    b = c;
                }
            }
        }
        return b;
    }
}
