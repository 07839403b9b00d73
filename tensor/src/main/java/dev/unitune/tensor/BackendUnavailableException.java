package dev.unitune.tensor;

/** A backend that cannot run here; the message is one line a user can act on. */
public class BackendUnavailableException extends Exception {
    public BackendUnavailableException(String message) { super(message); }

    public BackendUnavailableException(String message, Throwable cause) { super(message, cause); }
}
