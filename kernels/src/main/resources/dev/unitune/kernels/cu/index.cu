/*
 * index_select along one axis (the embedding lookup). Indices were range-checked on the host.
 * CPU reference: CpuBackend.indexSelect. (concat and pad are copies into sub-views: elementwise.cu.)
 */
#include "unitune_dialect.h"

/* out is [outer, count, inner] contiguous; x is viewed as [outer, axisLen, inner] through xv. */
KERNEL void index_select(View xv, GLOBAL const u8* x, int dt, GLOBAL const u8* index, int indexDt, View iv,
                         int outer, int count, int inner, int axisLen, GLOBAL u8* out) {
    int n = outer * count * inner;
    for (int i = BLOCK_X * BLOCK_DIM_X + THREAD_X; i < n; i += GRID_DIM_X * BLOCK_DIM_X) {
        int in_ = i % inner, t = i / inner, c = t % count, o = t / count;
        int ii = view_index(iv, c);
        int sel = indexDt == DT_I64 ? (int) ((GLOBAL const i64*) index)[ii] : ((GLOBAL const int*) index)[ii];
        if (sel < 0) sel += axisLen;
        int src = (o * axisLen + sel) * inner + in_;
        if (dt == DT_F32 || dt == DT_I32) ((GLOBAL int*) out)[i] = ((GLOBAL const int*) x)[view_index(xv, src)];
        else if (dt == DT_F16 || dt == DT_BF16) ((GLOBAL u16*) out)[i] = ((GLOBAL const u16*) x)[view_index(xv, src)];
        else if (dt == DT_I64) ((GLOBAL i64*) out)[i] = ((GLOBAL const i64*) x)[view_index(xv, src)];
        else out[i] = x[view_index(xv, src)];
    }
}
