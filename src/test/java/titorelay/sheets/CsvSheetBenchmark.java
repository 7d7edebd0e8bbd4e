package titorelay.sheets;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import titorelay.sheets.SheetColumns.RowChange;

/**
 * The spreadsheet layer alone, as the sink's writer thread drives it with CSV files: batches of distinct tickets
 * applied to the {@link SheetBook}, then one {@code pendingWrites} + {@code write} per batch (one flush), until the
 * tab holds {@code rows} tickets; a second run makes a tenth of each batch updates of rows already there. Prints
 * the CPU time and bytes allocated per delivery on this thread (split into the upsert core and the CSV files), the
 * heap the tab retains afterwards, and the file's size. Not a test:
 * {@code java -Xmx256m -cp ... titorelay.sheets.CsvSheetBenchmark [rows] [batch]}.
 */
public final class CsvSheetBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Thread CPU and allocation spent inside the CSV spreadsheet's calls. */
    private static final class Metered implements Spreadsheet {
        final Spreadsheet inner;
        long cpuNanos;
        long bytes;
        long writeNanos;

        Metered(Spreadsheet inner) {
            this.inner = inner;
        }

        @Override
        public List<String> tabs() throws IOException {
            return inner.tabs();
        }

        @Override
        public void addTabs(List<String> titles) throws IOException {
            inner.addTabs(titles);
        }

        @Override
        public List<List<List<String>>> read(List<SheetRange> ranges) throws IOException {
            long cpu = THREADS.getCurrentThreadCpuTime();
            long allocated = THREADS.getCurrentThreadAllocatedBytes();
            try {
                return inner.read(ranges);
            } finally {
                cpuNanos += THREADS.getCurrentThreadCpuTime() - cpu;
                bytes += THREADS.getCurrentThreadAllocatedBytes() - allocated;
            }
        }

        @Override
        public void write(List<CellRange> ranges) throws IOException {
            long cpu = THREADS.getCurrentThreadCpuTime();
            long allocated = THREADS.getCurrentThreadAllocatedBytes();
            try {
                inner.write(ranges);
            } finally {
                long spent = THREADS.getCurrentThreadCpuTime() - cpu;
                cpuNanos += spent;
                writeNanos += spent;
                bytes += THREADS.getCurrentThreadAllocatedBytes() - allocated;
            }
        }

        @Override
        public String describe() {
            return inner.describe();
        }
    }

    private record Result(long deliveries, long flushes, long totalCpu, long totalBytes, long changesCpu,
            long sheetCpu, long sheetBytes, long writeCpu, long lastFlushCpu, long retainedBytes, long retainedBySheet, long fileBytes) {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 150_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        SheetColumns columns = SheetColumns.load(Path.of("sheet-columns.yaml"));
        ObjectNode template = (ObjectNode) JSON.readTree(Path.of("samples/ticket-basic.json").toFile());

        run(columns, template, Math.min(rows, 30_000), batch, 0); // warm-up, not reported
        System.out.println("| run | deliveries | flushes | CPU/delivery, all | of which changesFor | upsert core"
                           + " (SheetBook) | CSV layer (read+write) | of which write | last flush CPU | allocated/delivery"
                           + " | CSV layer allocated/delivery | retained heap | retained/row | of which CSV layer/row | file |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        print("distinct tickets", rows, run(columns, template, rows, batch, 0));
        print("10% updates", rows, run(columns, template, rows, batch, 10));
    }

    private static void print(String name, int rows, Result r) {
        double n = r.deliveries();
        System.out.printf("| %s | %d | %d | %.1f µs | %.1f µs | %.1f µs | %.1f µs | %.1f µs | %.0f ms | %.1f KB"
                          + " | %.1f KB | %.1f MB | %d B | %d B | %.1f MB |%n",
                name, r.deliveries(), r.flushes(), r.totalCpu() / n / 1e3, r.changesCpu() / n / 1e3,
                (r.totalCpu() - r.changesCpu() - r.sheetCpu()) / n / 1e3, r.sheetCpu() / n / 1e3,
                r.writeCpu() / n / 1e3, r.lastFlushCpu() / 1e6, r.totalBytes() / n / 1024,
                r.sheetBytes() / n / 1024, r.retainedBytes() / 1048576.0, r.retainedBytes() / rows, r.retainedBySheet() / rows,
                r.fileBytes() / 1048576.0);
    }

    /** Fills a fresh tab with {@code rows} tickets; {@code updatePercent} of each batch re-sends an earlier ticket. */
    private static Result run(SheetColumns columns, ObjectNode template, int rows, int batch, int updatePercent)
            throws Exception {
        Path directory = Files.createTempDirectory("csv-sheet-bench");
        try {
            long heapBefore = settledHeap();
            Metered sheet = new Metered(new CsvSpreadsheet(directory));
            SheetBook book = new SheetBook(columns);
            book.load(sheet);
            Random random = new Random(13);
            long cpu = 0;
            long bytes = 0;
            long changesCpu = 0;
            long deliveries = 0;
            long flushes = 0;
            long lastFlush = 0;
            sheet.cpuNanos = 0;
            sheet.bytes = 0;
            sheet.writeNanos = 0;
            int created = 0;
            while (created < rows) {
                List<JsonNode> payloads = new ArrayList<>();
                int updates = created == 0 ? 0 : batch * updatePercent / 100;
                for (int i = 0; i < batch - updates && created < rows; i++, created++) {
                    payloads.add(ticket(template, created, 0));
                }
                for (int i = 0; i < updates; i++) {
                    payloads.add(ticket(template, random.nextInt(created), 1 + flushes));
                }
                long startCpu = THREADS.getCurrentThreadCpuTime();
                long startBytes = THREADS.getCurrentThreadAllocatedBytes();
                for (JsonNode payload : payloads) {
                    long before = THREADS.getCurrentThreadCpuTime();
                    List<RowChange> changes = columns.changesFor("ticket.updated", payload);
                    changesCpu += THREADS.getCurrentThreadCpuTime() - before;
                    changes.forEach(book::apply);
                }
                long flushStart = THREADS.getCurrentThreadCpuTime();
                List<CellRange> cells = book.pendingWrites(sheet);
                sheet.write(cells);
                book.written();
                lastFlush = THREADS.getCurrentThreadCpuTime() - flushStart;
                cpu += THREADS.getCurrentThreadCpuTime() - startCpu;
                bytes += THREADS.getCurrentThreadAllocatedBytes() - startBytes;
                deliveries += payloads.size();
                payloads.clear();
                flushes++;
            }
            long retained = settledHeap() - heapBefore;
            java.lang.ref.Reference.reachabilityFence(book);
            book = null; // what the CSV files' cache alone keeps
            long retainedBySheet = settledHeap() - heapBefore;
            System.err.printf("heap before %d MB, with the tab %d MB, CSV layer alone %d MB%n", heapBefore >> 20,
                    (heapBefore + retained) >> 20, (heapBefore + retainedBySheet) >> 20);
            long fileBytes = Files.size(directory.resolve("Tickets.csv"));
            int lines = Files.readAllLines(directory.resolve("Tickets.csv")).size();
            if (lines != rows + 1) {
                throw new IllegalStateException("expected " + (rows + 1) + " lines in the tab, found " + lines);
            }
            Result result = new Result(deliveries, flushes, cpu, bytes, changesCpu, sheet.cpuNanos, sheet.bytes,
                    sheet.writeNanos, lastFlush, retained, retainedBySheet, fileBytes);
            java.lang.ref.Reference.reachabilityFence(sheet);
            return result;
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Ticket number {@code n}, its {@code version}-th state (a later updated_at, another state and name). */
    private static JsonNode ticket(ObjectNode template, int n, long version) {
        ObjectNode ticket = template.deepCopy();
        ticket.put("slug", "ti_bench_" + n);
        ticket.put("reference", "REF" + n);
        ticket.put("name", "Person " + n + (version == 0 ? "" : " v" + version));
        ticket.put("email", "person" + n + "@example.com");
        ticket.put("state_name", version == 0 ? "incomplete" : "complete");
        ticket.put("updated_at", String.format("2017-08-27T13:%02d:%02d.000Z", version / 60 % 60, version % 60));
        try {
            return JSON.readTree(JSON.writeValueAsBytes(ticket)); // parsed from its bytes, as each delivery is
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long settledHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
