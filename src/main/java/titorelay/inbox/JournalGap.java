package titorelay.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Bytes of a journal segment, from {@code start} to {@code end}, that hold no intact record; {@code next} is the
 * intact record at {@code end}, or null if the gap runs to the end of the committed bytes. Found by one pass over the
 * bytes, looking for the magic of a record at each of them: only a record whose lengths fit and whose checksum
 * matches ends the gap.
 *
 * @param zeros   every byte of the gap is zero
 * @param records how many records the gap held, as far as the headers in it can still be read (at least one)
 */
record JournalGap(long start, long end, boolean zeros, int records, JournalSegment.Record next) {

    private static final int CHUNK_BYTES = 64 << 10;
    private static final int MAGIC_BYTES = Integer.BYTES;
    private static final byte FIRST_MAGIC_BYTE = (byte) (JournalSegment.MAGIC >>> 24);

    long bytes() {
        return end - start;
    }

    /** Nothing but the zeros written ahead of the records, up to the end of an earlier run's segment: its end. */
    boolean isZerosAtTheEnd(boolean fromEarlierRun) {
        return fromEarlierRun && next == null && zeros;
    }

    /**
     * An incomplete record after the last intact one of an earlier run's segment, and nothing after it: the commit
     * that was under way when the relay stopped, whose fsync never returned, so it was never acknowledged. Damage
     * anywhere else lost acknowledged deliveries (the current run's segments are read only up to what is fsync'd).
     */
    boolean isTornTail(boolean fromEarlierRun) {
        return fromEarlierRun && next == null && !zeros;
    }

    /**
     * The gap that begins at {@code start}, where {@code segment} holds no intact record, and ends by {@code limit};
     * {@code typicalRecordBytes} (0 if not known) sizes the records it lost.
     */
    static JournalGap from(JournalSegment segment, long start, long limit, long typicalRecordBytes) throws IOException {
        RecordCount count = new RecordCount(start, typicalRecordBytes);
        count.header(start, segment.plausibleEnd(start));
        boolean zeros = true;
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
        byte[] bytes = chunk.array();
        for (long at = start; at < limit; ) {
            chunk.clear().limit((int) Math.min(CHUNK_BYTES, limit - at));
            int read = segment.readAt(chunk, at);
            boolean last = read < chunk.limit() || at + read >= limit;
            // A magic that begins in the last bytes of a chunk is looked at in the next one, which begins there.
            int scanned = last ? read : read - (MAGIC_BYTES - 1);
            for (int i = 0; i < scanned; i++) {
                long position = at + i;
                if (bytes[i] == FIRST_MAGIC_BYTE && position > start && i + MAGIC_BYTES <= read
                        && chunk.getInt(i) == JournalSegment.MAGIC) {
                    JournalSegment.Record record = segment.recordAt(position);
                    if (record != null) {
                        return new JournalGap(start, position, zeros, count.upTo(position, record, position), record);
                    }
                    count.header(position, segment.plausibleEnd(position));
                }
                zeros &= bytes[i] == 0;
            }
            if (last) {
                break;
            }
            at += scanned;
        }
        return new JournalGap(start, limit, zeros, count.upTo(limit, null, limit), null);
    }

    /**
     * Counts the records in a gap: one for each header that still reads right (a byte of its body or checksum
     * damaged), and for the stretches between them that hold no readable header (a zeroed block, say) as many as
     * their size makes at the segment's typical record size. An estimate, since records differ in size.
     */
    private static final class RecordCount {
        private long typicalRecordBytes;
        private long counted; // the bytes before this are counted
        private int readable;
        private int stretches;
        private long unreadableBytes;

        RecordCount(long start, long typicalRecordBytes) {
            this.counted = start;
            this.typicalRecordBytes = typicalRecordBytes;
        }

        /** A header at {@code position} whose record would end at {@code end}, or -1 if it does not read right. */
        void header(long position, long end) {
            if (end < 0 || position < counted) {
                return; // no header, or one inside a record counted already (its body may hold any bytes)
            }
            unreadable(position);
            readable++;
            counted = end;
        }

        /** The count for a gap ending at {@code end}, after which lies {@code next} (or nothing). */
        int upTo(long end, JournalSegment.Record next, long nextStart) {
            unreadable(end);
            if (typicalRecordBytes <= 0 && next != null) {
                typicalRecordBytes = next.end() - nextStart; // damage before any intact record: take the one after
            }
            long sized = typicalRecordBytes > 0 ? Math.round((double) unreadableBytes / typicalRecordBytes) : 0;
            return Math.max(1, readable + (int) Math.max(stretches, sized));
        }

        private void unreadable(long upTo) {
            if (upTo - counted >= JournalSegment.MIN_RECORD_BYTES) {
                stretches++;
                unreadableBytes += upTo - counted;
            }
        }
    }
}
