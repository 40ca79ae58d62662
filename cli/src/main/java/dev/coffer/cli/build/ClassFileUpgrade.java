package dev.coffer.cli.build;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * A build step, not part of the program: rewrites the classes of a library jar compiled for Java 5 or
 * older (class-file version below 50) as version 52 classes with stack maps, code otherwise unchanged.
 * Class-data sharing leaves such old classes out of its archive, so every start loaded and verified
 * them from the jar again: for the command-line parser, a third of the start-up of {@code coffer
 * --version} (docs/performance.md). The jar is replaced through a temporary file next to it.
 *
 * <p>Usage: {@code ClassFileUpgrade JAR}.
 */
public final class ClassFileUpgrade {
    static final int TARGET_MAJOR = 52;

    private ClassFileUpgrade() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ClassFileUpgrade JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path tmp = jar.resolveSibling("." + jar.getFileName() + ".tmp");
        int n = upgrade(jar, tmp);
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println(jar.getFileName() + ": " + n + " classes upgraded to class-file version " + TARGET_MAJOR);
    }

    /** Writes {@code in} to {@code out} with every class older than version 50 upgraded; returns how many. */
    static int upgrade(Path in, Path out) throws IOException {
        int upgraded = 0;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {in.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
                JarFile jf = new JarFile(in.toFile(), false);
                OutputStream os = Files.newOutputStream(out);
                JarOutputStream jo = new JarOutputStream(os)) {
            // stack maps need the common superclass of two types at a merge: the JDK's classes, then the jar's own
            ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(loader))));
            for (JarEntry e : Collections.list(jf.entries())) {
                byte[] b = jf.getInputStream(e).readAllBytes();
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    ClassModel cm = cf.parse(b);
                    if (cm.majorVersion() < 50) {
                        // every method body is rebuilt, which is what makes the stack maps be generated
                        b = cf.transformClass(cm, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                                .andThen((cb, el) -> {
                                    if (el instanceof ClassFileVersion) {
                                        cb.withVersion(TARGET_MAJOR, 0);
                                    } else {
                                        cb.with(el);
                                    }
                                }));
                        upgraded++;
                    }
                }
                JarEntry copy = new JarEntry(e.getName());
                copy.setTime(e.getTime());
                jo.putNextEntry(copy);
                jo.write(b);
                jo.closeEntry();
            }
        }
        return upgraded;
    }
}
