package dev.unitune.weights.torch;

import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;
import dev.unitune.weights.WeightsFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Hostile and broken torch checkpoints: each must be a one-line error naming the file; nothing executes. */
class TorchBadFilesTest {
    @TempDir Path dir;

    private String rejects(Path file, String expected) {
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> {
            try (WeightSource w = WeightSources.open(file)) {
                for (String n : w.names()) w.bytes(n);
            }
        });
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), "names the file: " + m);
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.contains(expected), "expected '" + expected + "' in: " + m);
        return m;
    }

    private Path pickleFile(byte[] pickle) throws Exception {
        return TorchFiles.checkpoint(dir.resolve("bad.pth"), pickle, Map.of("0", TorchFiles.floatsLE(1, 2)));
    }

    /** The classic exploit: GLOBAL os.system, then REDUCE with a shell command. */
    @Test
    void osSystemIsRefusedByName() throws Exception {
        byte[] p = new Pickler().proto().global("os", "system").str("touch " + dir.resolve("pwned")).op(0x85).reduce().stop().bytes();
        rejects(pickleFile(p), "refused global 'os.system'");
        assertFalse(Files.exists(dir.resolve("pwned")));
    }

    @Test void posixSystem() throws Exception { rejects(pickleFile(new Pickler().proto().global("posix", "system").stop().bytes()), "'posix.system'"); }
    @Test void builtinsEval() throws Exception { rejects(pickleFile(new Pickler().proto().global("builtins", "eval").stop().bytes()), "'builtins.eval'"); }
    @Test void subprocess() throws Exception { rejects(pickleFile(new Pickler().proto().global("subprocess", "Popen").stop().bytes()), "'subprocess.Popen'"); }
    @Test void unknownClass() throws Exception { rejects(pickleFile(new Pickler().proto().global("mymodel", "Net").stop().bytes()), "'mymodel.Net'"); }
    @Test void torchButNotAllowed() throws Exception { rejects(pickleFile(new Pickler().proto().global("torch", "load").stop().bytes()), "'torch.load'"); }

    @Test
    void forbiddenOpcodesAreRefused() throws Exception {
        // INST ('i') and OBJ ('o') call arbitrary classes; STACK_GLOBAL (0x93) names globals from the stack.
        rejects(pickleFile(new byte[]{(byte) 0x80, 2, 'i', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', '.'}), "refused opcode 0x69");
        rejects(pickleFile(new byte[]{(byte) 0x80, 2, (byte) 0x93, '.'}), "refused opcode 0x93");
        rejects(pickleFile(new byte[]{(byte) 0x80, 2, 'N', 'N', 'N', '0', '.'}), "refused opcode 0x30"); // POP
    }

    @Test
    void appendOnANonList() throws Exception {
        rejects(pickleFile(new Pickler().proto().emptyDict().none().append().stop().bytes()), "APPEND on a dict");
    }

    @Test
    void setitemOnANonDict() throws Exception {
        rejects(pickleFile(new Pickler().proto().emptyList().str("k").none().setitem().stop().bytes()), "SETITEM on a list");
    }

    @Test
    void setitemOnAStorageClassOrTensor() throws Exception {
        rejects(pickleFile(new Pickler().proto().global("torch", "FloatStorage").str("k").none().setitem().stop().bytes()),
                "SETITEM on a storage class");
    }

    @Test void stackUnderflow() throws Exception { rejects(pickleFile(new Pickler().proto().reduce().stop().bytes()), "stack underflow"); }
    @Test void unknownMemo() throws Exception { rejects(pickleFile(new Pickler().proto().get(7).stop().bytes()), "unknown memo id 7"); }
    @Test void setitemsWithoutMark() throws Exception { rejects(pickleFile(new Pickler().proto().emptyDict().setitems().stop().bytes()), "without a MARK"); }
    @Test void truncatedPickle() throws Exception { rejects(pickleFile(new Pickler().proto().emptyDict().str("abc").bytes()), "truncated pickle"); }
    @Test void stringPastEnd() throws Exception { rejects(pickleFile(new byte[]{(byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}), "past the end"); }

    @Test
    void deepMarkNestingIsCapped() throws Exception {
        Pickler p = new Pickler().proto();
        for (int i = 0; i < 5000; i++) p.mark();
        rejects(pickleFile(p.stop().bytes()), "nesting deeper than 1000");
    }

    @Test
    void opcodeBombIsCapped() throws Exception {
        // 7M x (NONE NONE SETITEM) on one dict: 21M opcodes, bounded stack, just over the 20M cap.
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80); b.write(2); b.write('}');
        byte[] triple = {'N', 'N', 's'};
        for (int i = 0; i < 7_000_000; i++) b.write(triple, 0, 3);
        b.write('.');
        rejects(pickleFile(b.toByteArray()), "more than 20000000 opcodes");
    }

    @Test
    void selfReferentialStructureDoesNotHangTheReader() throws Exception {
        // d = {}; d['a'] = d; d['b'] = d ... (a cycle, and shared references that would explode a naive walk)
        Pickler p = new Pickler().proto().emptyDict().put();
        for (int i = 0; i < 50; i++) p.str("k" + i).get(0).setitem();
        p.str("w").tensor("FloatStorage", "0", 2, 0, new long[]{2}, new long[]{1}).setitem();
        try (WeightSource w = WeightSources.open(pickleFile(p.stop().bytes()))) {
            assertEquals(java.util.List.of("w"), w.names());
        }
    }

    @Test
    void stackBombIsCapped() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80); b.write(2);
        for (int i = 0; i < 1_100_000; i++) b.write('N');
        b.write('.');
        rejects(pickleFile(b.toByteArray()), "stack deeper than");
    }

    @Test
    void storageSizeMismatch() throws Exception {
        byte[] p = new Pickler().proto().emptyDict().str("w").tensor("FloatStorage", "0", 4, 0, new long[]{4}, new long[]{1})
                .setitem().stop().bytes();
        rejects(pickleFile(p), "storage size mismatch");
    }

    @Test
    void viewOutsideStorage() throws Exception {
        byte[] p = new Pickler().proto().emptyDict().str("w").tensor("FloatStorage", "0", 2, 1, new long[]{2}, new long[]{1})
                .setitem().stop().bytes();
        rejects(pickleFile(p), "tensor 'w': view (offset 1, size [2], stride [1]) reaches element 2");
    }

    @Test
    void hugeStrideOverflow() throws Exception {
        byte[] p = new Pickler().proto().emptyDict().str("w").tensor("FloatStorage", "0", 2, 0, new long[]{3, 3},
                new long[]{Long.MAX_VALUE / 2, 1}).setitem().stop().bytes();
        rejects(pickleFile(p), "overflow 64 bits");
    }

    @Test
    void missingStorageEntry() throws Exception {
        byte[] p = new Pickler().proto().emptyDict().str("w").tensor("FloatStorage", "9", 2, 0, new long[]{2}, new long[]{1})
                .setitem().stop().bytes();
        rejects(pickleFile(p), "storage '9' has no zip entry");
    }

    @Test
    void pathTraversalEntryName() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", new Pickler().proto().emptyDict().stop().bytes());
        e.put("archive/../../etc/passwd", new byte[1]);
        Path f = dir.resolve("trav.pth");
        Files.write(f, TorchFiles.zip(e));
        rejects(f, "unexpected zip entry 'archive/../../etc/passwd'");
    }

    @Test
    void absoluteEntryName() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("/archive/data.pkl", new Pickler().proto().emptyDict().stop().bytes());
        Path f = dir.resolve("abs.pth");
        Files.write(f, TorchFiles.zip(e));
        rejects(f, "unexpected zip entry");
    }

    @Test
    void duplicateEntryNames() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", new Pickler().proto().emptyDict().stop().bytes());
        e.put("archive/data.pkX", new Pickler().proto().emptyDict().stop().bytes());
        byte[] z = TorchFiles.zip(e);
        // Rename the second entry to the first name in place (local header and central directory alike).
        String s = new String(z, StandardCharsets.ISO_8859_1).replace("archive/data.pkX", "archive/data.pkl");
        Path f = dir.resolve("dup.pth");
        Files.write(f, s.getBytes(StandardCharsets.ISO_8859_1));
        rejects(f, "duplicate zip entry 'archive/data.pkl'");
    }

    @Test
    void twoRoots() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("a/data.pkl", new Pickler().proto().emptyDict().stop().bytes());
        e.put("b/version", new byte[]{'3'});
        Path f = dir.resolve("roots.pth");
        Files.write(f, TorchFiles.zip(e));
        rejects(f, "two roots");
    }

    @Test
    void bigEndianByteorder() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", new Pickler().proto().emptyDict().stop().bytes());
        e.put("archive/byteorder", "big".getBytes());
        Path f = dir.resolve("be.pth");
        Files.write(f, TorchFiles.zip(e));
        rejects(f, "byteorder is 'big'");
    }

    @Test
    void zipWithoutDataPkl() throws Exception {
        Path f = dir.resolve("nopkl.pth");
        Files.write(f, TorchFiles.zip(Map.of("archive/version", new byte[]{'3'})));
        rejects(f, "no data.pkl");
    }

    @Test
    void truncatedZip() throws Exception {
        byte[] z = Files.readAllBytes(pickleFile(new Pickler().proto().emptyDict().stop().bytes()));
        Path f = dir.resolve("trunc.pth");
        Files.write(f, java.util.Arrays.copyOf(z, z.length / 2));
        rejects(f, "not a readable zip");
    }

    @Test
    void topLevelNotADict() throws Exception {
        rejects(pickleFile(new Pickler().proto().emptyList().stop().bytes()), "top-level object is a list");
    }

    @Test
    void legacyTarFormatIsNamed() throws Exception {
        byte[] tar = new byte[1024];
        System.arraycopy("sys_info".getBytes(), 0, tar, 0, 8);
        System.arraycopy("ustar".getBytes(), 0, tar, 257, 5);
        Path f = dir.resolve("old.pth");
        Files.write(f, tar);
        rejects(f, "unsupported legacy format");
    }

    @Test
    void legacyFileWithBadProtocolIsNamed() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(TorchLegacyFile.MAGIC);
        b.write(new Pickler().proto().integer(999).stop().bytes());
        Path f = dir.resolve("legacy.pth");
        Files.write(f, b.toByteArray());
        rejects(f, "unsupported legacy format protocol 999, re-save with torch>=1.6");
    }
}
