package dev.unitune.autograd;

import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.Dropout;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.Linear;
import dev.unitune.autograd.nn.Module;
import dev.unitune.tensor.Pool2dSpec;

/** conv-GN-SiLU-pool x2, global average pool, dropout, linear: the end-to-end test's classifier. */
public final class SmallCnn extends Module {
    final Conv2d conv1 = registerModule("conv1", new Conv2d(3, 8, 3, 1, 1));
    final GroupNorm norm1 = registerModule("norm1", new GroupNorm(2, 8, 1e-5));
    final Conv2d conv2 = registerModule("conv2", new Conv2d(8, 16, 3, 1, 1));
    final GroupNorm norm2 = registerModule("norm2", new GroupNorm(4, 16, 1e-5));
    final Dropout drop = registerModule("drop", new Dropout(0.1));
    final Linear head = registerModule("head", new Linear(16, ShapesDataset.CLASSES));

    @Override
    public Var forward(Var x) {
        Var h = F.maxPool2d(F.silu(norm1.forward(conv1.forward(x))), Pool2dSpec.of(2, 2));
        h = F.maxPool2d(F.silu(norm2.forward(conv2.forward(h))), Pool2dSpec.of(2, 2));
        h = F.mean(h, new int[]{2, 3}, false);
        return head.forward(drop.forward(h));
    }
}
