/* libFuzzer target: a capture is outside input. Loads arbitrary bytes as a
 * capture (reader, payload decoders, libtraceevent on embedded formats, the
 * merge) and prints the timeline in all three formats.
 *   make BUILD=... fuzz-capture
 *   ASAN_OPTIONS=allow_user_segv_handler=1 $(BUILD)/fuzz-capture -max_total_time=60 CORPUS
 * (tests/integration/capture-fuzz.sh runs it for a bounded time.)
 * A format text unlike the host's is tried in a child process first
 * (timeline.c), whose crash is the expected answer: without
 * allow_user_segv_handler=1 the sanitizer in that child still writes a
 * crash-* file, which then does not reproduce. libtraceevent's own few bytes
 * per format are left to LeakSanitizer's suppressions (timeline.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyze/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static FILE *null;
	if (!path[0]) {
		snprintf(path, sizeof(path), "/dev/shm/fuzz-capture.%d", getpid());
		null = fopen("/dev/null", "w");
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);

	struct timeline tl;
	char err[256];
	struct report_opts o = { .color = true };
	if (timeline_load(&tl, path, err, sizeof(err)) == 0) {
		report_text(&tl, null, &o);
		report_json(&tl, null, &o);
		report_chrome(&tl, null, &o);
		timeline_free(&tl);
	}
	unlink(path);
	return 0;
}
