package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The launcher's training run must exercise every command it names (a renamed flag would silently skip one). */
class CdsTrainingTest {
    @Test
    void everyTrainingCommandSucceedsAndNothingIsLeftBehind() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = countTrainingDirs(tmp);
        assertThat(CdsTraining.run()).hasSize(10).containsOnly(0);
        assertThat(countTrainingDirs(tmp)).isEqualTo(before);
    }

    private static long countTrainingDirs(Path tmp) throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("coffer-cds-training")).count();
        }
    }
}
