package titorelay.deliverylog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bodies appended to a file per day, read back by where they are, and a day's file deleted once past the retention. */
class BodyFilesTest {

    private static final long DAY_ONE = Instant.parse("2026-11-01T23:59:00Z").toEpochMilli();
    private static final long DAY_TWO = Instant.parse("2026-11-02T00:01:00Z").toEpochMilli();

    @Test
    void eachBodyIsReadBackWhereItWasAppendedAcrossDaysAndReopenings(@TempDir Path dir) throws Exception {
        byte[] one = "{\"reference\":\"ONE\"}".getBytes(StandardCharsets.UTF_8);
        byte[] two = "{\"reference\":\"TWO\", \"name\":\"Zoë\"}".getBytes(StandardCharsets.UTF_8);
        byte[] three = new byte[70_000];
        java.util.Arrays.fill(three, (byte) 'x');
        BodyFiles.Ref refOne;
        BodyFiles.Ref refTwo;
        BodyFiles.Ref refThree;
        try (BodyFiles bodies = new BodyFiles(dir)) {
            refOne = bodies.append(one, DAY_ONE);
            refTwo = bodies.append(two, DAY_ONE);
            refThree = bodies.append(three, DAY_TWO);
        }
        assertEquals("20261101.bodies", refOne.file());
        assertEquals(one.length, refTwo.offset(), "appended after the first");
        assertEquals("20261102.bodies", refThree.file());
        try (BodyFiles reopened = new BodyFiles(dir)) {
            BodyFiles.Ref refFour = reopened.append(one, DAY_TWO);
            assertEquals(three.length, refFour.offset(), "a restart appends after what is there");
        }
        assertArrayEquals(one, BodyFiles.read(dir, refOne.file(), refOne.offset(), refOne.length()));
        assertArrayEquals(two, BodyFiles.read(dir, refTwo.file(), refTwo.offset(), refTwo.length()));
        assertArrayEquals(three, BodyFiles.read(dir, refThree.file(), refThree.offset(), refThree.length()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(refOne.file()))));
    }

    @Test
    void bodiesAreGatheredAndWrittenTogetherByAFlush(@TempDir Path dir) throws Exception {
        byte[] one = "{\"reference\":\"ONE\"}".getBytes(StandardCharsets.UTF_8);
        byte[] two = "{\"reference\":\"TWO\"}".getBytes(StandardCharsets.UTF_8);
        try (BodyFiles bodies = new BodyFiles(dir)) {
            BodyFiles.Ref refOne = bodies.append(one, DAY_ONE);
            BodyFiles.Ref refTwo = bodies.append(two, DAY_ONE);
            Path file = dir.resolve(refOne.file());
            assertEquals(0, Files.size(file), "not written yet");
            bodies.flush();
            assertEquals(one.length + two.length, Files.size(file), "both in one write");
            assertArrayEquals(two, BodyFiles.read(dir, refTwo.file(), refTwo.offset(), refTwo.length()));
        }
    }

    @Test
    void aDaysFileIsDeletedOnceItsDayIsPastTheRetentionAndAGoneBodyReadsEmpty(@TempDir Path dir) throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        BodyFiles.Ref old;
        try (BodyFiles bodies = new BodyFiles(dir)) {
            old = bodies.append(body, DAY_ONE);
            bodies.append(body, DAY_TWO);
            bodies.trim(DAY_TWO - Duration.ofHours(1).toMillis()); // the cutoff is still in day one: both kept
            assertTrue(Files.exists(dir.resolve("20261101.bodies")));
            bodies.trim(DAY_TWO); // day one ended before the cutoff
        }
        assertFalse(Files.exists(dir.resolve("20261101.bodies")));
        assertTrue(Files.exists(dir.resolve("20261102.bodies")), "the current day is kept");
        assertEquals(0, BodyFiles.read(dir, old.file(), old.offset(), old.length()).length);
        assertEquals(0, BodyFiles.read(dir, "../elsewhere.bodies", 0, 1).length, "only a file of its own directory");
    }
}
