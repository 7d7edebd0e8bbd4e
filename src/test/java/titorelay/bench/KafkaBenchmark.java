package titorelay.bench;

import titorelay.support.KafkaBroker;

/**
 * The ingest and end-to-end benchmarks again with relay.inbox.kind=kafka, beside the journal's in the same bench/run:
 * one Kafka broker (Kafka's KRaft test kit, as in the tests) in this JVM on loopback, one topic of 3 partitions per
 * phase, the relay as in the other phases (the built jar with jvm.options). The broker shares the machine's cores with the
 * relay and wrk, as a broker on the same host would. Prints Markdown for bench/run.
 */
public final class KafkaBenchmark {

    public static void main(String[] args) throws Exception {
        int ingestSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int endToEndSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        try (KafkaBroker broker = KafkaBroker.start()) {
            System.out.println("### Ingest, Kafka inbox");
            System.out.println();
            IngestBenchmark.run(ingestSeconds, connections, BenchInbox.kafka(broker, "bench-ingest", 3));
            System.out.println();
            System.out.println("### End to end, dispatch running (CSV sheet), Kafka inbox");
            System.out.println();
            EndToEndBenchmark.run(endToEndSeconds, connections, false, BenchInbox.kafka(broker, "bench-end-to-end", 3));
        }
        // The broker's own threads (the test kit's) may outlive close(): nothing else is left to do.
        System.exit(0);
    }
}
