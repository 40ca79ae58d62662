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

    /** Asks for a new secret twice on the terminal; the two must match. */
    static char[] promptNew(String prompt, String noTerminalReason, String hint) {
        char[] p = prompt(prompt, noTerminalReason, hint);
        char[] again = prompt("Repeat it: ", noTerminalReason, hint);
        boolean same = java.util.Arrays.equals(p, again);
        java.util.Arrays.fill(again, '\0');
        if (!same) {
            java.util.Arrays.fill(p, '\0');
            throw new CofferException("the two passphrases differ; nothing was written");
        }
        return p;
    }

    /** Refuses (and wipes) a passphrase shorter than {@code min} characters. */
    static char[] atLeast(char[] p, int min, String hint) {
        if (p.length < min) {
            java.util.Arrays.fill(p, '\0');
            throw new CofferException("the passphrase is shorter than " + min + " characters", hint);
        }
        return p;
    }
}
