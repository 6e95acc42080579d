/* The timeline's text cache and decode buffer (timeline-format.c), opened
 * and closed with the timeline; the formatters themselves are in timeline.h. */
#ifndef KVMSCOPE_TIMELINE_FORMAT_H
#define KVMSCOPE_TIMELINE_FORMAT_H

#include "timeline.h"

/* 0, or -1 when the decode buffer cannot be had. */
int timeline_format_open(struct timeline *tl);
void timeline_format_close(struct timeline *tl);

#endif
