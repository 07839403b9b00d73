package dev.unitune.kernels.device;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Kernel sources and their compiled PTX, as classpath resources under dev/unitune/kernels/. Each family
 * is one .cu file written in the portable dialect (cu/unitune_dialect.h). OpenCL gets the source with
 * the header pasted in; CUDA gets the committed PTX, whose first line records the SHA-256 of the
 * sources it was built from (scripts/build-ptx.sh), so a stale PTX is detected.
 */
public final class KernelSources {
    public static final String DIALECT = "unitune_dialect.h";
    /** Headers a family may include; all of them enter every family's source hash. */
    public static final List<String> HEADERS = List.of(DIALECT, "tiled_gemm.h");
    public static final String HASH_PREFIX = "// unitune-source-sha256 ";

    /** Families compiled by both backends. */
    public static final List<String> PORTABLE = List.of(
            "elementwise", "reduce", "softmax", "gemm", "conv", "attention", "norm", "pool", "index", "philox");

    /** Families compiled for CUDA only (tensor-core paths). */
    public static final List<String> CUDA_ONLY = List.of("gemm_tc", "attention_tc");

    private KernelSources() {}

    public static String resource(String path) {
        try (InputStream in = KernelSources.class.getResourceAsStream("/dev/unitune/kernels/" + path)) {
            if (in == null) throw new IllegalStateException("missing kernel resource dev/unitune/kernels/" + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel resource " + path, e);
        }
    }

    public static String cudaSource(String family) { return resource("cu/" + family + ".cu"); }

    /** OpenCL C text of a family: the .cu source with each included header pasted in place of its #include. */
    public static String openClSource(String family) {
        String src = cudaSource(family);
        if (!src.contains("#include \"" + DIALECT + "\""))
            throw new IllegalStateException("kernel family " + family + " does not include " + DIALECT);
        for (String h : HEADERS) src = src.replace("#include \"" + h + "\"", resource("cu/" + h));
        return src;
    }

    /** SHA-256 over the headers and the family's source: what its PTX must record. */
    public static String sourceHash(String family) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String h : HEADERS) md.update(resource("cu/" + h).getBytes(StandardCharsets.UTF_8));
            md.update(cudaSource(family).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String ptx(String family) { return resource("ptx/" + family + ".ptx"); }

    /** The hash a PTX file records on its first line, or null. */
    public static String recordedHash(String ptx) {
        int nl = ptx.indexOf('\n');
        String first = nl < 0 ? ptx : ptx.substring(0, nl);
        return first.startsWith(HASH_PREFIX) ? first.substring(HASH_PREFIX.length()).trim() : null;
    }
}
