package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Tensor;

/** torch.nn.Embedding: weight [num, dim] drawn from N(0, 1); looks up integer ids of any shape. */
public class Embedding extends Module {
    public final int numEmbeddings, embeddingDim;
    private final Parameter weight;

    public Embedding(int numEmbeddings, int embeddingDim) {
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        weight = registerParameter("weight", Init.normal(0, 1, numEmbeddings, embeddingDim));
    }

    public Parameter weight() { return weight; }

    /** ids: I32/I64 of any shape; result ids.shape + [dim]. */
    public Var forward(Tensor ids) { return F.embedding(weight, ids); }

    @Override
    public Var forward(Var ids) { return forward(ids.tensor()); }
}
