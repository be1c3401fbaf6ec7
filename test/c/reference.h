/* The CPU resize arithmetic of src/cpu/cpu.h, one element at a time: the reference the
 * vectorised CPU path (and through it the GPU path) is checked against, bit for bit. */
#ifndef GR_TEST_REFERENCE_H
#define GR_TEST_REFERENCE_H

#include "core/filter.h"

/* Writes the out_size(h) x out_size(v) result, tightly packed, to out. */
void gr_reference_resize(const gr_image *src, const gr_filter *h, const gr_filter *v,
                         uint8_t *out);

#endif
