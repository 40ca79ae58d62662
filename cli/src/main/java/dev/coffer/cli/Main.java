package dev.coffer.cli;

import dev.coffer.core.CofferException;
import dev.coffer.core.Version;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code coffer} command. Exit codes: 0 success, 1 the operation failed, 2 usage error. */
@Command(name = "coffer", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Client-side encrypted, deduplicating backups.")
public final class Main implements Runnable {
    /** The commands, in help order. Only the one named on the command line is built (start-up time). */
    private static final Class<?>[] COMMANDS = {BackupCommand.class, SnapshotsCommand.class, LsCommand.class,
        RestoreCommand.class, SnapshotCommand.class, KeyCommand.class, MaintenanceCommands.Verify.class,
        MaintenanceCommands.Gc.class, MaintenanceCommands.PruneCmd.class, MaintenanceCommands.Drill.class,
        BenchmarkCommand.class, ServerCommand.class, CommandLine.HelpCommand.class};

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces of errors")
    boolean debug;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is needed (try 'coffer --help')");
    }

    /** Commands that stream data through the heap, where {@link dev.coffer.core.util.HeapGovernor} pays off. */
    private static final java.util.Set<String> HEAVY = java.util.Set.of("backup", "restore", "verify", "drill", "gc");

    public static void main(String[] args) {
        // UTF-8 whatever the locale: names, paper keys and QR codes drawn in text need it
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                java.nio.charset.StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                java.nio.charset.StandardCharsets.UTF_8);
        java.util.List<String> words = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).limit(2).toList();
        // the server's run streams uploads, restores, verify and GC jobs through its heap for as long as it runs
        boolean serverRun = words.size() == 2 && words.get(0).equals("server") && words.get(1).equals("start");
        for (String a : args) {
            if (!a.startsWith("-")) {
                if (HEAVY.contains(a) || serverRun) {
                    // load the crypto provider and zstd while the command line and key file are read
                    dev.coffer.core.crypto.Providers.preload();
                    // these move chunk after chunk through the heap: keep it near their live data
                    dev.coffer.core.util.HeapGovernor.installInBackground(32L << 20);
                }
                break;
            }
        }
        int code = execute(args, out, err);
        out.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit code. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        // picocli builds a model of every command it is given, which costs a good part of start-up: give it the
        // named command only, or all of them when none (or an unknown one, or help) is named
        String named = null;
        for (String a : args) {
            if (!a.startsWith("-")) {
                named = a;
                break;
            }
        }
        boolean known = false;
        for (Class<?> c : COMMANDS) {
            known |= c.getAnnotation(Command.class).name().equals(named) && !"help".equals(named);
        }
        // "coffer --version" alone needs no command at all
        boolean versionOnly = named == null && args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
        for (Class<?> c : COMMANDS) {
            if (!versionOnly && (!known || c.getAnnotation(Command.class).name().equals(named))) {
                cl.addSubcommand(c);
            }
        }
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            boolean debug = main.debug || parse.hasMatchedOption("--debug");
            if (ex instanceof CofferException ce) {
                err.println("coffer: error: " + ce.getMessage());
                if (ce.hint() != null) {
                    err.println("hint: " + ce.hint());
                }
            } else if (ex instanceof CommandLine.ParameterException pe) {
                err.println("coffer: " + pe.getMessage());
                return USAGE;
            } else {
                err.println("coffer: internal error: " + ex + (debug ? "" : " (run with --debug for details)"));
            }
            if (debug) {
                ex.printStackTrace(err);
            }
            return FAILED;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("coffer: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            err.println("try '" + c.getCommandSpec().qualifiedName() + " --help'");
            return USAGE;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // nothing half-written stays visible: snapshots appear only on commit
            err.println("coffer: error: out of memory (Java heap limit " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB); nothing was committed");
            long twice = 2 * Runtime.getRuntime().maxMemory() / (1 << 20);
            err.println("hint: raise the limit with COFFER_JAVA_OPTS=-Xmx" + twice + "m, or use fewer --threads or a smaller --chunk-size");
            return FAILED;
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"coffer " + Version.VERSION};
        }
    }
}
