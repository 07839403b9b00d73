package dev.unitune.autograd.nn;

import dev.unitune.autograd.Var;

import java.util.List;

/** A ModuleList whose forward feeds each child's output to the next (torch.nn.Sequential). */
public class Sequential extends ModuleList<Module> {
    public Sequential(Module... modules) { super(List.of(modules)); }

    @Override
    public Var forward(Var x) {
        Var y = x;
        for (Module m : this) y = m.forward(y);
        return y;
    }
}
