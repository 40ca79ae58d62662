package dev.coffer.cli;

import dev.coffer.core.CofferException;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks of argument values done by the code that uses them, reported as usage errors (exit 2), not failures. */
final class Usage {
    private Usage() {
    }

    /** The value {@code check} returns, or a usage error with its message and hint when it refuses the arguments. */
    static <T> T check(CommandSpec spec, Supplier<T> check) {
        try {
            return check.get();
        } catch (CofferException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() + (e.hint() == null ? "" : "; " + e.hint()));
        }
    }

    /** {@link #check(CommandSpec, Supplier)} for a check that returns nothing. */
    static void check(CommandSpec spec, Runnable check) {
        check(spec, () -> {
            check.run();
            return null;
        });
    }
}
