package titorelay.support;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.buffer.impl.VertxByteBufAllocator;

/**
 * Run in a JVM of its own (JvmOptionsTest): prints, one {@code name=value} a line, what the native memory settings of
 * a JVM's options change: the native bytes a pool of the webhook port's buffers takes for one small buffer, how many
 * such pools there are, the native bytes the JDK keeps after a thread wrote 1 MB from the heap to a file, and the
 * interval of the C library's trim.
 */
public final class JvmOptionsProbe {

    private JvmOptionsProbe() {
    }

    public static void main(String[] args) throws Exception {
        // First, before Netty allocates anything native that the JDK's own count might include.
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        Path file = Files.createTempFile("jvm-options-probe", ".bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long before = direct.getMemoryUsed();
            channel.write(ByteBuffer.wrap(new byte[1 << 20]));
            System.out.println("jdk.kept-after-a-1MB-write=" + (direct.getMemoryUsed() - before));
        } finally {
            Files.delete(file);
        }

        pool("vertx", (PooledByteBufAllocator) VertxByteBufAllocator.POOLED_ALLOCATOR);
        pool("netty", PooledByteBufAllocator.DEFAULT);

        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        System.out.println("trim-native-heap-interval=" + hotSpot.getVMOption("TrimNativeHeapInterval").getValue());
    }

    private static void pool(String name, PooledByteBufAllocator allocator) {
        ByteBuf small = allocator.directBuffer(4096);
        try {
            System.out.println(name + ".direct-pools=" + allocator.metric().numDirectArenas());
            System.out.println(name + ".native-bytes-for-one-small-buffer=" + allocator.metric().usedDirectMemory());
        } finally {
            small.release();
        }
    }
}
