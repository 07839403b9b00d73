package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Tensor;

import java.util.Arrays;

/**
 * Multi-head scaled-dot-product attention over [B, L, C] sequences, self- or cross-attention, with an
 * optional additive mask and causal masking. Parameter names follow one of two reference layouts:
 * <ul>
 *   <li>{@link Naming#DIFFUSERS}: {@code to_q, to_k, to_v} (bias only if qkvBias), {@code to_out.0} (with bias;
 *       {@code to_out.1} is a parameter-free dropout), as diffusers' Attention.</li>
 *   <li>{@link Naming#CLIP}: {@code q_proj, k_proj, v_proj, out_proj}, all with bias, as transformers' CLIPAttention.</li>
 * </ul>
 * The scale is 1/sqrt(headDim).
 */
public class MultiHeadAttention extends Module {
    public enum Naming { DIFFUSERS, CLIP }

    public final int queryDim, contextDim, heads, headDim;
    private final Linear q, k, v, out;

    /**
     * @param contextDim dim of the cross-attention context (keys/values); pass queryDim for self-attention
     * @param qkvBias    whether q/k/v projections have a bias (diffusers default false; CLIP always true)
     */
    public MultiHeadAttention(int queryDim, int contextDim, int heads, int headDim, boolean qkvBias, Naming naming) {
        this.queryDim = queryDim;
        this.contextDim = contextDim;
        this.heads = heads;
        this.headDim = headDim;
        int inner = heads * headDim;
        if (naming == Naming.CLIP) {
            k = registerModule("k_proj", new Linear(contextDim, inner, true));
            v = registerModule("v_proj", new Linear(contextDim, inner, true));
            q = registerModule("q_proj", new Linear(queryDim, inner, true));
            out = registerModule("out_proj", new Linear(inner, queryDim, true));
        } else {
            q = registerModule("to_q", new Linear(queryDim, inner, qkvBias));
            k = registerModule("to_k", new Linear(contextDim, inner, qkvBias));
            v = registerModule("to_v", new Linear(contextDim, inner, qkvBias));
            ModuleList<Module> toOut = registerModule("to_out", new ModuleList<>());
            out = (Linear) toOut.add(new Linear(inner, queryDim, true));
            toOut.add(new Dropout(0.0));
        }
    }

    /** Self-attention. */
    @Override
    public Var forward(Var x) { return forward(x, null, null, false); }

    /**
     * @param x       [B, Lq, queryDim]
     * @param context [B, Lk, contextDim] for cross-attention, or null for self-attention
     * @param mask    additive mask broadcastable to [B, heads, Lq, Lk] (-inf hides a key), or null
     * @param causal  hide key j from query i when j > i
     * @return [B, Lq, queryDim]
     */
    public Var forward(Var x, Var context, Tensor mask, boolean causal) {
        if (x.rank() != 3 || x.dim(2) != queryDim)
            throw new IllegalArgumentException("attention expects [B, L, " + queryDim + "], got " + Arrays.toString(x.shape()));
        Var ctx = context == null ? x : context;
        if (ctx.rank() != 3 || ctx.dim(2) != contextDim || ctx.dim(0) != x.dim(0))
            throw new IllegalArgumentException("attention context expects [" + x.dim(0) + ", L, " + contextDim + "], got " + Arrays.toString(ctx.shape()));
        Var qh = splitHeads(q.forward(x));
        Var kh = splitHeads(k.forward(ctx));
        Var vh = splitHeads(v.forward(ctx));
        Var o = F.attention(qh, kh, vh, mask, 1 / Math.sqrt(headDim), causal);
        return out.forward(mergeHeads(o));
    }

    /** [B, L, H*D] -> [B, H, L, D]. */
    private Var splitHeads(Var t) {
        int b = t.dim(0), l = t.dim(1);
        return F.permute(F.reshape(t, b, l, heads, headDim), 0, 2, 1, 3);
    }

    /** [B, H, L, D] -> [B, L, H*D]. */
    private Var mergeHeads(Var t) {
        int b = t.dim(0), l = t.dim(2);
        return F.reshape(F.permute(t, 0, 2, 1, 3), b, l, heads * headDim);
    }

    public Linear query() { return q; }
    public Linear key() { return k; }
    public Linear value() { return v; }
    public Linear output() { return out; }
}
