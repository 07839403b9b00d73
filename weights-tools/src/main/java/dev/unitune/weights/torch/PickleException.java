package dev.unitune.weights.torch;

import dev.unitune.weights.WeightsFormatException;

/** A pickle the restricted unpickler refuses: bad opcode, forbidden global, malformed structure, over a cap. */
public final class PickleException extends WeightsFormatException {
    public PickleException(String message) { super(message); }
}
