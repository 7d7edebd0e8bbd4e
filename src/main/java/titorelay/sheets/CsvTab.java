package titorelay.sheets;

import java.nio.file.attribute.FileTime;

/**
 * One CSV tab as its file holds it: each row once, its cells packed as bytes ({@link PackedRows}; trimmed as Google
 * trims them), and where each row's line ends in the file, so that a write can append rows, or copy the unchanged
 * lines of the file as they are.
 *
 * @param rows      the rows, header first, each without trailing empty cells
 * @param lineEnds  the byte offset after each row's line; null when the file is not laid out as the relay writes
 *                  it (edited by hand, or its last line cut off), so that the next write rewrites it whole
 * @param width     the widest row: every line is padded to it
 * @param modified  the file's modification time when it was last read or written
 * @param size      the file's size then
 * @param bom       whether the file starts with UTF-8's byte-order mark (Excel's "CSV UTF-8" writes one, and reads the
 *                  file as UTF-8 only with it): it is no part of the first cell, and the file keeps it when written
 */
record CsvTab(PackedRows rows, long[] lineEnds, int width, FileTime modified, long size, boolean bom) {

    /** Where row {@code index}'s line starts in the file (only with {@link #lineEnds}). */
    long lineStart(int index) {
        return index == 0 ? CsvTabFile.prefixLength(bom) : lineEnds[index - 1];
    }
}
