package dev.coffer.cli;

import dev.coffer.core.CofferException;
import java.io.Console;

/** What we know of the terminal, and prompting on it. */
final class Terminal {
    private Terminal() {
    }

    static boolean isInteractive() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Reads a secret without echo, or fails with the given reason and hint when there is no terminal. */
    static char[] prompt(String prompt, String noTerminalReason, String hint) {
        Console c = System.console();
        if (c == null || !c.isTerminal()) {
            throw new CofferException(noTerminalReason, hint);
        }
        char[] p = c.readPassword("%s", prompt);
        if (p == null) {
            throw new CofferException("no passphrase given");
        }
        return p;
    }
}
