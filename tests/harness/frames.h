/*
 * frames.h - what tests ask of a frame's contents, read through a hyperspace slot (the frame
 * need not be mapped anywhere else): core-private, for tests only.
 */
#ifndef TESTS_HARNESS_FRAMES_H
#define TESTS_HARNESS_FRAMES_H
#include "mm/core/pte.h"

/* Every byte of frame f is zero. */
static inline bool frame_zero(pfn_t f)
{
    const uint32_t *p = hyper_map(f);
    bool z = true;
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++) z &= !p[i];
    hyper_unmap((void *)p);
    return z;
}
#endif
