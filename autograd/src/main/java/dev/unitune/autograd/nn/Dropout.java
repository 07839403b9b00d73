package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;

/** Inverted dropout in training mode (mask from the default Philox generator); identity in eval mode. */
public class Dropout extends Module {
    public final double p;

    public Dropout(double p) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout probability " + p + " outside [0, 1]");
        this.p = p;
    }

    @Override
    public Var forward(Var x) { return F.dropout(x, p, isTraining()); }
}
