package titorelay.inbox;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.OwnerOnly;

/**
 * Damage found in the inbox journal: committed bytes that hold no intact record although intact records follow them,
 * or although the segment was fsync'd past them. The deliveries they held were acknowledged and are lost, so each
 * gap is logged at ERROR and counted, with the names of the intact deliveries around it (the file names begin with
 * the time they arrived, for asking Tito to send what lies between again). A damaged segment is kept in
 * {@code damaged/}, never deleted, once its intact deliveries are done.
 */
final class JournalDamage {

    private static final Logger LOG = LoggerFactory.getLogger(JournalDamage.class);

    private final Path keptIn;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    /** @param keptIn where damaged segments are kept once done with */
    JournalDamage(Path keptIn) {
        this.keptIn = keptIn;
    }

    /** Records lost to damage since start (estimated, see {@link JournalGap}). */
    long records() {
        return records.get();
    }

    /** Bytes of the journal passed over as damaged since start. */
    long bytes() {
        return bytes.get();
    }

    void report(JournalSegment segment, JournalGap gap, String before) {
        records.addAndGet(gap.records());
        bytes.addAndGet(gap.bytes());
        LOG.error("Inbox journal segment {} is damaged: bytes {} to {} ({} bytes) hold no intact record; about {} "
                        + "acknowledged delivery(ies) lost, between {} and {}. Every intact delivery is still "
                        + "delivered; the segment is kept in {} once they are done",
                segment, gap.start(), gap.end(), gap.bytes(), gap.records(),
                before == null ? "the segment's start" : before,
                gap.next() == null ? "the segment's end" : gap.next().fileName(), keptIn);
    }

    /**
     * Moves a damaged segment whose intact deliveries are done out of the journal, for a person to look at. Never over
     * one kept before: segment numbers begin again after those in the journal, so a later segment may have its name.
     */
    void keepAside(JournalSegment segment) throws IOException {
        OwnerOnly.directory(keptIn); // what it holds is attendees' personal data
        String name = segment.path.getFileName().toString();
        Path kept = keptIn.resolve(name);
        for (int copy = 1; ; copy++) {
            try {
                Files.move(segment.path, kept);
                break;
            } catch (FileAlreadyExistsException taken) {
                kept = keptIn.resolve(name + "." + copy);
            }
        }
        LOG.warn("Kept the damaged inbox journal segment {} as {}: its intact deliveries are done", segment, kept);
    }
}
