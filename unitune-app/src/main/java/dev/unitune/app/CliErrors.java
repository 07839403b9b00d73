package dev.unitune.app;

import picocli.CommandLine;

/**
 * Turns an exception escaping a command into one line on stderr and exit code 2 (bad input) or 1
 * (anything else). A stack trace only with -Dunitune.debug=true: users act on the message, not the trace.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (Boolean.getBoolean("unitune.debug")) e.printStackTrace();
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + msg.lines().findFirst().orElse(msg));
        // A weights file that fails validation is bad input too (WeightsFormatException names file, tensor, value).
        boolean badInput = e instanceof IllegalArgumentException || e instanceof java.io.IOException
                || e instanceof IllegalStateException || e instanceof dev.unitune.weights.WeightsFormatException;
        return badInput ? 2 : 1;
    }
}
