#ifndef CGHNETHEAP_H
#define CGHNETHEAP_H

/// Sets glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (mallopt lives in <malloc.h>, which the
/// Swift Glibc module does not import). Returns 1 when both were taken, 0 otherwise.
int cghnet_set_heap_thresholds(int mmap_threshold, int trim_threshold);

#endif
