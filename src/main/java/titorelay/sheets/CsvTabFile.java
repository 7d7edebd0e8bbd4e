package titorelay.sheets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.storage.Fsync;
import titorelay.storage.OwnerOnly;

/**
 * Reads and writes one tab's CSV file. A spreadsheet program reading the file never sees a half-written row: rows
 * are either added after the file's last line in one write call, or the file is replaced by a hidden one renamed
 * over it, into which the unchanged lines are copied as they are (by the kernel, not re-encoded) and only the
 * changed rows written anew.
 */
final class CsvTabFile {

    private static final Logger LOG = LoggerFactory.getLogger(CsvTabFile.class);
    /**
     * UTF-8's byte-order mark. Excel's "CSV UTF-8" starts the file with it, and reads a file as UTF-8 only when it
     * does: a file that has it keeps it, and one that does not never gains it.
     */
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private CsvTabFile() {
    }

    /**
     * The tab as its file holds it. Text after the file's last complete line is not a row: rows are only ever added
     * as whole lines, so it is what a crash cut off while adding them. It is left out, and the next write leaves it
     * out of the file too; the webhook whose row it was is dispatched again and writes the row again.
     */
    static CsvTab read(Path file) throws IOException {
        FileTime modified = Files.readAttributes(file, BasicFileAttributes.class).lastModifiedTime();
        byte[] bytes = Files.readAllBytes(file);
        boolean bom = Arrays.equals(BOM, 0, BOM.length, bytes, 0, Math.min(BOM.length, bytes.length));
        int start = prefixLength(bom); // the mark is not part of the first cell: the key column is found by its name
        int complete = endOfLastLine(bytes);
        if (complete == 0) {
            complete = bytes.length; // no line break at all: a one-line file typed by hand (or with CR line ends)
        } else if (complete < bytes.length) {
            LOG.warn("{}: its last {} bytes are not a whole line (cut off by a crash while rows were being added);"
                     + " they are left out, and the row is written again by its webhook", file, bytes.length - complete);
        }
        PackedRows.Editor read = new PackedRows.Editor();
        try (CSVParser parser = CSVFormat.RFC4180.parse(
                new StringReader(new String(bytes, start, complete - start, StandardCharsets.UTF_8)))) {
            for (CSVRecord record : parser) {
                String[] cells = record.values();
                String[] row = new String[usedWidth(cells)];
                for (int c = 0; c < row.length; c++) {
                    row[c] = CsvFormulaGuard.unguard(cells[c]);
                }
                read.add(row);
            }
        }
        while (read.size() > 0 && read.width(read.size() - 1) == 0) {
            read.removeLast();
        }
        PackedRows rows = read.done();
        int width = widthOf(rows);
        long[] lineEnds = complete == bytes.length ? lineEnds(rows, width, bytes, start) : null;
        return new CsvTab(rows, lineEnds, width, modified, bytes.length, bom);
    }

    /** How many bytes come before the first row's line: the byte-order mark's, if the file has one. */
    static int prefixLength(boolean bom) {
        return bom ? BOM.length : 0;
    }

    /**
     * Every row written anew, into a hidden file renamed over the tab's file; first the byte-order mark if {@code bom}
     * (the file being replaced had one).
     */
    static CsvTab rewrite(Path file, PackedRows rows, int width, boolean bom) throws IOException {
        Path hidden = hidden(file);
        long[] lineEnds = new long[rows.size()];
        try (FileChannel target = create(hidden)) {
            ByteArrayOutputStream lines = new ByteArrayOutputStream(1 << 16);
            lines.write(BOM, 0, prefixLength(bom));
            long offset = prefixLength(bom);
            for (int i = 0; i < rows.size(); i++) {
                byte[] line = line(rows.get(i), width);
                lines.write(line);
                offset += line.length;
                lineEnds[i] = offset;
                if (lines.size() >= 1 << 16) {
                    writeAll(target, lines);
                }
            }
            writeAll(target, lines);
            target.force(false); // on the disk before its name replaces the old file's (renamed)
        }
        return renamed(hidden, file, rows, lineEnds, width, bom);
    }

    /**
     * Rows changed in place (and maybe some added): a hidden file gets the unchanged lines copied from the tab's
     * file and the {@code changed} rows written anew, then is renamed over it. {@code before} must match the file.
     */
    static CsvTab splice(Path file, CsvTab before, PackedRows rows, BitSet changed, int width) throws IOException {
        Path hidden = hidden(file);
        long[] lineEnds = new long[rows.size()];
        int kept = before.rows().size();
        try (FileChannel source = FileChannel.open(file, StandardOpenOption.READ); FileChannel target = create(hidden)) {
            ByteArrayOutputStream lines = new ByteArrayOutputStream(1 << 16);
            lines.write(BOM, 0, prefixLength(before.bom())); // written anew, so that the lines copied start after it
            long copyFrom = prefixLength(before.bom()); // the first unchanged byte of the tab's file not yet copied
            long copyTo = copyFrom;
            long offset = copyFrom;
            for (int i = 0; i < rows.size(); i++) {
                if (i < kept && !changed.get(i)) {
                    if (copyTo != before.lineStart(i)) {
                        writeAll(target, lines);
                        copy(source, copyFrom, copyTo, target);
                        copyFrom = before.lineStart(i);
                    }
                    copyTo = before.lineEnds()[i];
                    offset += copyTo - before.lineStart(i);
                } else {
                    if (copyTo > copyFrom) {
                        writeAll(target, lines);
                        copy(source, copyFrom, copyTo, target);
                        copyFrom = copyTo;
                    }
                    byte[] line = line(rows.get(i), width);
                    lines.write(line);
                    offset += line.length;
                }
                lineEnds[i] = offset;
            }
            writeAll(target, lines);
            copy(source, copyFrom, copyTo, target);
            target.force(false); // on the disk before its name replaces the old file's (renamed)
        }
        return renamed(hidden, file, rows, lineEnds, width, before.bom());
    }

    /**
     * Only rows after the last ones added: their lines are appended to the tab's file in one write call, so a
     * reader sees none or all of each. {@code before} must match the file.
     */
    static CsvTab append(Path file, CsvTab before, PackedRows rows, int width) throws IOException {
        int kept = before.rows().size();
        long[] lineEnds = Arrays.copyOf(before.lineEnds(), rows.size());
        ByteArrayOutputStream lines = new ByteArrayOutputStream(1 << 16);
        long offset = before.size();
        for (int i = kept; i < rows.size(); i++) {
            byte[] line = line(rows.get(i), width);
            lines.write(line);
            offset += line.length;
            lineEnds[i] = offset;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(lines.toByteArray());
            for (long position = before.size(); buffer.hasRemaining(); ) {
                position += channel.write(buffer, position);
            }
            channel.force(false); // on the disk before dispatch counts these rows done and lets the journal go
        }
        return written(file, rows, lineEnds, width, before.bom());
    }

    /** One row as a CSV line (its line break included), padded to the tab's width, formulas guarded. */
    static byte[] line(String[] row, int width) {
        Object[] cells = new Object[width];
        for (int c = 0; c < width; c++) {
            cells[c] = CsvFormulaGuard.guard(c < row.length && row[c] != null ? row[c] : "");
        }
        StringBuilder line = new StringBuilder();
        try {
            CSVFormat.RFC4180.printRecord(line, cells);
        } catch (IOException cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    static int widthOf(PackedRows rows) {
        int width = 0;
        for (int i = 0; i < rows.size(); i++) {
            width = Math.max(width, rows.width(i));
        }
        return width;
    }

    /** How many cells are left once trailing empty ones are cut. */
    static int usedWidth(String[] cells) {
        int end = cells.length;
        while (end > 0 && (cells[end - 1] == null || cells[end - 1].isEmpty())) {
            end--;
        }
        return end;
    }

    /** The offset after the last line break that is not inside a quoted cell; 0 if there is none. */
    private static int endOfLastLine(byte[] bytes) {
        boolean quoted = false;
        int end = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '"') {
                quoted = !quoted; // an escaped quote ("") toggles twice
            } else if (bytes[i] == '\n' && !quoted) {
                end = i + 1;
            }
        }
        return end;
    }

    /** Where each row's line ends, if the file is exactly these rows as the relay writes them; else null. */
    private static long[] lineEnds(PackedRows rows, int width, byte[] bytes, int start) {
        long[] lineEnds = new long[rows.size()];
        int offset = start;
        for (int i = 0; i < rows.size(); i++) {
            byte[] line = line(rows.get(i), width);
            int end = offset + line.length;
            if (end > bytes.length || !Arrays.equals(line, 0, line.length, bytes, offset, end)) {
                return null;
            }
            offset = end;
            lineEnds[i] = offset;
        }
        return offset == bytes.length ? lineEnds : null;
    }

    private static Path hidden(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".tmp");
    }

    private static FileChannel create(Path file) throws IOException {
        return FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE), OwnerOnly.fileAttributes());
    }

    private static void writeAll(FileChannel target, ByteArrayOutputStream lines) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(lines.toByteArray());
        while (buffer.hasRemaining()) {
            target.write(buffer);
        }
        lines.reset();
    }

    /** Bytes {@code from}..{@code to} of the source appended to the target, by the kernel where it can. */
    private static void copy(FileChannel source, long from, long to, FileChannel target) throws IOException {
        while (from < to) {
            long copied = source.transferTo(from, to - from, target);
            if (copied <= 0) {
                throw new IOException("the file became shorter while it was being copied");
            }
            from += copied;
        }
    }

    private static CsvTab renamed(Path hidden, Path file, PackedRows rows, long[] lineEnds, int width,
            boolean bom) throws IOException {
        // The new file's bytes are on the disk (forced by its writer); its name too before dispatch counts the rows
        // done and lets the journal go: a power cut then leaves the old tab or the new, whole.
        Files.move(hidden, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Fsync.directory(file.getParent());
        return written(file, rows, lineEnds, width, bom);
    }

    /** The tab as just written; if the file is not the size written (someone wrote meanwhile), it is read again next. */
    private static CsvTab written(Path file, PackedRows rows, long[] lineEnds, int width, boolean bom)
            throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        long size = lineEnds.length == 0 ? prefixLength(bom) : lineEnds[lineEnds.length - 1];
        FileTime modified = attributes.size() == size ? attributes.lastModifiedTime() : null;
        return new CsvTab(rows, lineEnds, width, modified, size, bom);
    }
}
