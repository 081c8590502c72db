import CGhNetHeap

/// glibc's heap, set for moving bulk data: read buffers of 64 KiB to 1 MiB are allocated and
/// freed thousands of times a second on the data path.
///
/// By default glibc gives blocks over 128 KiB their own `mmap` and hands freed memory at the top
/// of the heap back to the kernel once 128 KiB are free; each time such memory is used again,
/// every page of it faults and is zeroed (a tenth of the agent's time under load, measured with
/// `perf`). Here blocks up to 32 MiB (glibc's maximum) come from the heap and each heap arena keeps up to 64 MiB free, so
/// freed buffers are reused as they are. Memory stays bounded: what is kept is at most what the
/// flow-control windows let the process hold at its peak.
public enum HeapTuning {
    /// Largest block served from the heap rather than its own mapping.
    static let heapBlockLimit: Int32 = 32 << 20
    /// Free heap kept instead of being returned to the kernel.
    static let keptFreeHeap: Int32 = 64 << 20

    /// Applies the settings; call once, before the data path starts.
    public static func applyForBulkTransfers() {
        _ = cghnet_set_heap_thresholds(heapBlockLimit, keptFreeHeap)
    }
}
