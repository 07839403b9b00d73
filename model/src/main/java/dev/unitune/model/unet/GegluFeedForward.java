package dev.unitune.model.unet;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Dropout;
import dev.unitune.autograd.nn.Linear;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;

import java.util.List;

/**
 * diffusers FeedForward with activation "geglu": {@code net.0} is GEGLU (a projection {@code net.0.proj} to
 * 2 x inner, split in half along the last dim as [hidden | gate], output hidden * gelu(gate) with exact GELU),
 * {@code net.1} a dropout, {@code net.2} the projection back to dim. inner = 4 x dim by default.
 */
public class GegluFeedForward extends Module {
    private final Geglu geglu;
    private final Linear out;

    public GegluFeedForward(int dim, int innerDim) {
        ModuleList<Module> net = registerModule("net", new ModuleList<>());
        geglu = (Geglu) net.add(new Geglu(dim, innerDim));
        net.add(new Dropout(0.0));
        out = (Linear) net.add(new Linear(innerDim, dim));
    }

    @Override
    public Var forward(Var x) { return out.forward(geglu.forward(x)); }

    /** The gated GELU unit of GEGLU (arXiv 2002.05202). */
    public static class Geglu extends Module {
        private final Linear proj;

        public Geglu(int dimIn, int dimOut) { proj = registerModule("proj", new Linear(dimIn, dimOut * 2)); }

        @Override
        public Var forward(Var x) {
            List<Var> halves = F.chunk(proj.forward(x), 2, -1);
            return F.mul(halves.get(0), F.gelu(halves.get(1)));
        }
    }
}
