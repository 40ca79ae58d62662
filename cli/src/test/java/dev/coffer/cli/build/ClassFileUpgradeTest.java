package dev.coffer.cli.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The build's rewrite of the command-line parser's Java 5 classes: same jar, newer class files, same behaviour. */
class ClassFileUpgradeTest {
    @TempDir
    Path tmp;
    Path original;
    Path upgraded;

    @BeforeEach
    void upgrade() throws Exception {
        original = Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        upgraded = tmp.resolve("picocli-upgraded.jar");
        assertThat(ClassFileUpgrade.upgrade(original, upgraded)).isEqualTo(oldClasses(original)).isGreaterThan(100);
    }

    private static int major(byte[] classFile) {
        return ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
    }

    private static int oldClasses(Path jar) throws Exception {
        int n = 0;
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            for (JarEntry e : Collections.list(jf.entries())) {
                if (e.getName().endsWith(".class") && major(jf.getInputStream(e).readAllBytes()) < 50) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void everyClassIsNewAndEverythingElseIsTheSame() throws Exception {
        try (JarFile before = new JarFile(original.toFile(), false); JarFile after = new JarFile(upgraded.toFile(), false)) {
            List<String> names = Collections.list(before.entries()).stream().map(JarEntry::getName).toList();
            assertThat(Collections.list(after.entries()).stream().map(JarEntry::getName).toList()).isEqualTo(names);
            for (String name : names) {
                byte[] b = before.getInputStream(before.getEntry(name)).readAllBytes();
                byte[] a = after.getInputStream(after.getEntry(name)).readAllBytes();
                if (name.endsWith(".class") && !name.startsWith("META-INF/")) {
                    assertThat(major(a)).as(name).isEqualTo(ClassFileUpgrade.TARGET_MAJOR);
                } else { // including META-INF/versions/9/module-info.class, which is new already
                    assertThat(a).as(name).isEqualTo(b);
                }
            }
        }
        // a second run finds nothing left to do
        assertThat(ClassFileUpgrade.upgrade(upgraded, tmp.resolve("again.jar"))).isZero();
    }

    /** Runs the command line in a JVM whose class path has the parser {@code parser} in place of the original. */
    private String run(Path parser, String... args) throws Exception {
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            cp.add(Path.of(entry).equals(original) ? parser.toString() : entry);
        }
        assertThat(cp).contains(parser.toString());
        Path log = tmp.resolve("classes.log");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:file=" + log,
                "-cp", String.join(File.pathSeparator, cp), "dev.coffer.cli.Main"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(log)).as("where the parser came from").contains("picocli.CommandLine source: file:" + parser);
        return "exit " + p.exitValue() + "\n" + out;
    }

    @Test
    void theCommandLineBehavesTheSameOnTheUpgradedParser() throws Exception {
        // the upgraded classes pass the JVM's type-checking verifier as they load, like every class not from the JDK
        Path key = tmp.resolve("k.json");
        String created = run(upgraded, "key", "create", "--kdf", "none", "--keyfile", key.toString());
        assertThat(created).startsWith("exit 0\n");
        String[][] commands = {
            {"--version"},
            {"--help"},
            {"key", "show", "--keyfile", key.toString()},
            {"key", "show", "--output-format", "json", "--keyfile", key.toString()},
            {"restore", "latest", "--no-such-option"},
            {"backup", "no-colon-here", "--repository", tmp.resolve("ds").toString()},
            {"frobnicate"},
            {"key", "--help"},
        };
        for (String[] c : commands) {
            String expected = run(original, c);
            assertThat(run(upgraded, c)).as(String.join(" ", c)).isEqualTo(expected);
        }
        assertThat(run(upgraded, "--version")).startsWith("exit 0\ncoffer ");
        assertThat(run(upgraded, "frobnicate")).startsWith("exit 2\n");
    }
}
