package dev.unitune.model.vae;

import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

/**
 * Tiled VAE decoding with the scheme of diffusers' {@code AutoencoderKL.tiled_decode}: latent tiles of
 * {@code tile} x {@code tile} start every {@code tile * (1 - overlap)} latent pixels; each decodes on its own;
 * neighbouring decoded tiles are cross-faded linearly over {@code tile * f * overlap} image rows/columns (f =
 * the VAE's upscale factor), top neighbour first then left neighbour, each tile blended in place so later
 * blends see earlier ones; each tile then contributes its first {@code tile * f - blend} rows/columns.
 *
 * <p>The result is NOT the untiled decode: the decoder's GroupNorms and mid-block attention see only one tile,
 * so statistics and attention differ per tile, and the cross-fade hides but does not remove the seams. It is
 * identical to {@link AutoencoderKL#decode} when the whole latent fits in one tile (then no tiling happens).
 */
final class TiledDecode {
    private final AutoencoderKL vae;
    private final int tile;
    private final double overlap;

    TiledDecode(AutoencoderKL vae, int tileLatentSize, double overlapFactor) {
        if (tileLatentSize < 1) throw new IllegalArgumentException("tiled decode: tile size " + tileLatentSize + " must be >= 1");
        if (!(overlapFactor >= 0 && overlapFactor < 1))
            throw new IllegalArgumentException("tiled decode: overlap factor " + overlapFactor + " must be in [0, 1)");
        this.vae = vae;
        this.tile = tileLatentSize;
        this.overlap = overlapFactor;
    }

    Tensor decode(Tensor z) {
        try (NoGrad ng = NoGrad.enter()) {
            int b = z.dim(0), h = z.dim(2), w = z.dim(3);
            if (h <= tile && w <= tile) return vae.decode(Var.constant(z)).tensor();
            int f = vae.config.downscale();
            int stride = Math.max(1, (int) (tile * (1 - overlap)));
            int sampleTile = tile * f;
            // diffusers derives the blend width from the overlap separately; deriving it from the stride keeps the
            // pieces summing to exactly h*f x w*f for every tile size (the two agree for the usual sizes, e.g. 64 / 0.25).
            int limit = stride * f;
            int blend = sampleTile - limit;
            int rowsN = (h + stride - 1) / stride, colsN = (w + stride - 1) / stride;
            Piece[][] tiles = new Piece[rowsN][colsN];
            int channels = -1;
            for (int i = 0; i < rowsN; i++)
                for (int j = 0; j < colsN; j++) {
                    int y0 = i * stride, x0 = j * stride;
                    Tensor part = z.narrow(2, y0, Math.min(tile, h - y0)).narrow(3, x0, Math.min(tile, w - x0));
                    Tensor dec = vae.decode(Var.constant(part.contiguous())).tensor();
                    channels = dec.dim(1);
                    tiles[i][j] = new Piece(dec.toFloatArray(), b, channels, dec.dim(2), dec.dim(3));
                }
            int outH = h * f, outW = w * f;
            float[] out = new float[b * channels * outH * outW];
            int oy = 0;
            for (int i = 0; i < rowsN; i++) {
                int ox = 0, rowHeight = 0;
                for (int j = 0; j < colsN; j++) {
                    Piece p = tiles[i][j];
                    if (i > 0) blendVertical(tiles[i - 1][j], p, blend);
                    if (j > 0) blendHorizontal(tiles[i][j - 1], p, blend);
                    int ch = Math.min(limit, p.h), cw = Math.min(limit, p.w);
                    p.copyInto(out, outH, outW, oy, ox, ch, cw);
                    ox += cw;
                    rowHeight = ch;
                }
                oy += rowHeight;
            }
            return z.backend().fromHost(out, DType.F32, b, channels, outH, outW).to(z.dtype());
        }
    }

    /** b's first rows fade in from a's last rows. */
    private static void blendVertical(Piece a, Piece b, int extent) {
        int e = Math.min(Math.min(a.h, b.h), extent);
        int w = Math.min(a.w, b.w);
        for (int n = 0; n < b.n; n++)
            for (int c = 0; c < b.c; c++)
                for (int y = 0; y < e; y++) {
                    float t = (float) y / e;
                    for (int x = 0; x < w; x++) {
                        int bi = b.index(n, c, y, x);
                        b.data[bi] = a.data[a.index(n, c, a.h - e + y, x)] * (1 - t) + b.data[bi] * t;
                    }
                }
    }

    /** b's first columns fade in from a's last columns. */
    private static void blendHorizontal(Piece a, Piece b, int extent) {
        int e = Math.min(Math.min(a.w, b.w), extent);
        int hh = Math.min(a.h, b.h);
        for (int n = 0; n < b.n; n++)
            for (int c = 0; c < b.c; c++)
                for (int y = 0; y < hh; y++)
                    for (int x = 0; x < e; x++) {
                        float t = (float) x / e;
                        int bi = b.index(n, c, y, x);
                        b.data[bi] = a.data[a.index(n, c, y, a.w - e + x)] * (1 - t) + b.data[bi] * t;
                    }
    }

    /** One decoded tile as a mutable NCHW float array. */
    private record Piece(float[] data, int n, int c, int h, int w) {
        int index(int in, int ic, int y, int x) { return ((in * c + ic) * h + y) * w + x; }

        void copyInto(float[] out, int outH, int outW, int oy, int ox, int ch, int cw) {
            for (int in = 0; in < n; in++)
                for (int ic = 0; ic < c; ic++)
                    for (int y = 0; y < ch; y++)
                        System.arraycopy(data, index(in, ic, y, 0), out, ((in * c + ic) * outH + oy + y) * outW + ox, cw);
        }
    }
}
