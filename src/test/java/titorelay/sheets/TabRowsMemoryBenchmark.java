package titorelay.sheets;

/**
 * The heap the spreadsheet's copy of a tab ({@link TabRows}) keeps for a number of ticket rows filled as webhooks
 * fill them (each value a string of its own, as a webhook's JSON brings it; repeated values such as states, events and
 * answers, unique ones such as names and emails). Not a test:
 * {@code java -Xmx1g -XX:+UseParallelGC -cp ... titorelay.sheets.TabRowsMemoryBenchmark [rows]}.
 */
public final class TabRowsMemoryBenchmark {

    private static final String[] STATES = {"complete", "incomplete", "unassigned", "void"};

    public static void main(String[] args) throws InterruptedException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        long before = settledHeap();
        TabRows rows = new TabRows();
        for (int i = 0; i < count; i++) {
            String key = new String("ti_" + Integer.toString(i * 7919, 36) + "Xq2hA9bCdEf");
            rows.add(key);
            rows.set(key, "Slug", new String(key));
            rows.set(key, "Reference", "RX" + Integer.toString(i, 36).toUpperCase() + "-" + (i % 9));
            rows.set(key, "State", new String(STATES[i % 4]));
            rows.set(key, "Name", "Person Number " + i);
            rows.set(key, "Email", "person" + i + "@example.org");
            rows.set(key, "Release", new String("Standard"));
            rows.set(key, "Registration", "reg_" + Integer.toString((i / 3) * 104729, 36) + "Zz9Yy8");
            rows.set(key, "Event", new String("awesomeconf"));
            rows.set(key, "Updated at", "2026-12-08T01:" + (i / 60 % 60) + ":" + (i % 60) + "." + (i % 1000) + "Z");
            rows.set(key, "Where do you live?", new String(i % 2 == 0 ? "Ireland" : "Germany"));
        }
        long after = settledHeap();
        if (!rows.contains("ti_0Xq2hA9bCdEf")) {
            throw new IllegalStateException("the first row is missing");
        }
        System.out.printf("%,d ticket rows: %.1f MB retained, %d bytes a row%n", count, (after - before) / 1e6,
                (after - before) / count);
    }

    private static long settledHeap() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
