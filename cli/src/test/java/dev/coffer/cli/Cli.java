package dev.coffer.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs coffer command lines, in this JVM or as a separate process with its own environment. */
final class Cli {
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    /** In-process: fast; the environment is this JVM's, so pass --repository and --keyfile explicitly. */
    /** {@link #run} with {@code env} as the environment the command line sees (other variables are the real ones). */
    static Result runWithEnv(java.util.Map<String, String> env, String... args) {
        Env.OVERRIDES.clear();
        Env.OVERRIDES.putAll(env);
        try {
            return run(args);
        } finally {
            Env.OVERRIDES.clear();
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.execute(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A separate JVM with exactly the given environment (plus PATH), as a user's shell would start it. */
    static Result process(Map<String, String> env, Path workDir, String... args) throws IOException, InterruptedException {
        return processWithUmask(null, env, workDir, args);
    }

    /** {@link #process} with the given umask (octal digits; null: this JVM's), set by a shell that then execs the JVM. */
    static Result processWithUmask(String umask, Map<String, String> env, Path workDir, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (umask != null) {
            cmd.addAll(List.of("/bin/sh", "-c", "umask " + umask + " && exec \"$@\"", "sh"));
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        var outF = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        var errF = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("coffer " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), outF.join(), errF.join());
    }

    static Process start(Map<String, String> env, Path workDir, String... args) throws IOException {
        return start(env, workDir, null, args);
    }

    /** Like {@link #start(Map, Path, String...)}, with standard output written to {@code out} (when not null). */
    static Process start(Map<String, String> env, Path workDir, Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().putAll(env);
        pb.redirectOutput(out == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        return pb.start();
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
