// mallopt for gh-net's heap tuning (see HeapTuning.swift).
#include "CGhNetHeap.h"

#include <malloc.h>

int cghnet_set_heap_thresholds(int mmap_threshold, int trim_threshold) {
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    int trim_ok = mallopt(M_TRIM_THRESHOLD, trim_threshold);
    return mmap_ok && trim_ok;
}
