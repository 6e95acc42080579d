/* The capture file: what the writer writes the reader reads back, a capture
 * cut inside a record is read up to its last whole record, and garbage is
 * refused with a message rather than read past its end. A bounded writer
 * (max_bytes) never holds much more than its bound on disk, keeps the newest
 * events and every definition, and says what it dropped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"

static char path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/test-capture.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void seg_path(char *buf, size_t len, unsigned k)
{
	assert_int_equal(cap_segment_path(buf, len, path, k), 0);
}

static int teardown(void **state)
{
	char seg[80];
	(void)state;
	unlink(path);
	for (unsigned k = 0; k < 2; k++)
		if (cap_segment_path(seg, sizeof(seg), path, k) == 0)
			unlink(seg);
	return 0;
}

static struct cap_writer *open_bounded_writer(uint64_t max_bytes)
{
	char err[256];
	struct cap_writer_info info = { .target_pid = 4242, .command = "vmm -kernel x",
					.collector = "unit test", .max_bytes = max_bytes };
	struct cap_writer *w = cap_writer_open(path, &info, err, sizeof(err));
	assert_non_null(w);
	return w;
}

static struct cap_writer *open_writer(void)
{
	char err[256];
	struct cap_writer_info info = { .target_pid = 4242, .command = "vmm -kernel x",
					.collector = "unit test" };
	struct cap_writer *w = cap_writer_open(path, &info, err, sizeof(err));
	assert_non_null(w);
	return w;
}

/* 3 probe records, a format, 2 raw events, a lost count; returns records written */
static void write_sample(struct cap_writer *w)
{
	static const char *const names[] = { "current_state", "current_state_str", "new_state",
					      "new_state_str" };
	static const uint8_t types[] = { 0, 6, 0, 6 };
	assert_int_equal(cap_write_probe_def(w, 0, "vmm", "runstate_set", "fmt %d", 4, names, types), 0);
	for (int i = 0; i < 3; i++) {
		uint64_t args[4] = { 1, 0x1000, 2 + i, 0x2000 };
		const char *strs[4] = { NULL, "prelaunch", NULL, i == 1 ? "" : "running" };
		assert_int_equal(cap_write_probe(w, CAP_SRC_BPF, 1000 + i, 10, 11 + i, 0, 0, 4, args,
						 0xa, strs), 0);
	}
	assert_int_equal(cap_write_tp_format(w, CAP_SRC_BPF, 103, "kvm", "kvm_exit", "name: kvm_exit\n"), 0);
	uint8_t raw[13] = { 103, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	assert_int_equal(cap_write_tp_event(w, CAP_SRC_BPF, 2000, 10, 11, 1, raw, sizeof(raw)), 0);
	assert_int_equal(cap_write_tp_event(w, CAP_SRC_FTRACE, 2001, 10, 12, 1, raw, 8), 0);
	assert_int_equal(cap_write_lost(w, CAP_SRC_BPF, CAP_LOST_RINGBUF, 7), 0);
}

static void roundtrip(void **state)
{
	(void)state;
	struct cap_writer *w = open_writer();
	write_sample(w);
	assert_int_equal(cap_writer_close(w, true), 0);

	char err[256];
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(cap_header(r)->target_pid, 4242);
	assert_int_equal(cap_header(r)->clock_id, 1);

	const struct cap_record *rec;
	int probes = 0, metas = 0, events = 0, lost = 0;
	bool command_seen = false;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		const char *k, *v;
		struct cap_probe_view pv;
		struct cap_probe_def_view dv;
		struct cap_tp_format_view fv;
		const uint8_t *data;
		uint32_t len;
		uint16_t id;
		const struct cap_lost *l;
		assert_int_equal(rec->size % 8, 0);
		switch (rec->type) {
		case CAP_REC_META:
			assert_int_equal(cap_decode_meta(rec, &k, &v), 0);
			if (!strcmp(k, "command")) {
				assert_string_equal(v, "vmm -kernel x");
				command_seen = true;
			}
			metas++;
			break;
		case CAP_REC_PROBE_DEF:
			assert_int_equal(cap_decode_probe_def(rec, &dv), 0);
			assert_string_equal(dv.name, "runstate_set");
			assert_string_equal(dv.arg_names[3], "new_state_str");
			assert_int_equal(dv.arg_types[1], 6);
			break;
		case CAP_REC_PROBE:
			assert_int_equal(cap_decode_probe(rec, &pv), 0);
			assert_int_equal(pv.nargs, 4);
			assert_int_equal(pv.args[2], 2 + probes);
			assert_null(pv.strs[0]);
			assert_string_equal(pv.strs[1], "prelaunch");
			assert_string_equal(pv.strs[3], probes == 1 ? "" : "running");
			assert_int_equal(rec->tid, 11 + probes);
			assert_int_equal(rec->ts_ns, 1000 + probes);
			probes++;
			break;
		case CAP_REC_TP_FORMAT:
			assert_int_equal(cap_decode_tp_format(rec, &fv), 0);
			assert_int_equal(fv.event_id, 103);
			assert_string_equal(fv.name, "kvm_exit");
			break;
		case CAP_REC_TP_EVENT:
			assert_int_equal(cap_decode_tp_event(rec, &data, &len, &id), 0);
			assert_int_equal(id, 103);
			assert_int_equal(len, events ? 8 : 13);
			assert_int_equal(rec->source, events ? CAP_SRC_FTRACE : CAP_SRC_BPF);
			events++;
			break;
		case CAP_REC_LOST:
			assert_int_equal(cap_decode_lost(rec, &l), 0);
			assert_int_equal(l->count, 7);
			lost++;
			break;
		}
	}
	assert_true(command_seen);
	assert_true(metas >= 2);
	assert_int_equal(probes, 3);
	assert_int_equal(events, 2);
	assert_int_equal(lost, 1);
	assert_true(cap_saw_end(r));
	assert_false(cap_truncated(r, NULL));
	assert_null(cap_error(r));
	cap_close(r);
}

/* Cut the file at every length: the reader never fails, never reads past
 * the end, and counts exactly the whole records before the cut. */
static void truncated_everywhere(void **state)
{
	(void)state;
	struct cap_writer *w = open_writer();
	write_sample(w);
	assert_int_equal(cap_writer_close(w, false), 0);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	char err[256];
	/* record boundaries of the full file */
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	assert_non_null(r);
	size_t bounds[64], nb = 0;
	const struct cap_record *rec;
	size_t off = sizeof(struct cap_file_header);
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		off += rec->size;
		bounds[nb++] = off;
	}
	assert_false(cap_saw_end(r));
	cap_close(r);

	for (off_t cut = (off_t)st.st_size - 1; cut >= (off_t)sizeof(struct cap_file_header); cut--) {
		assert_int_equal(truncate(path, cut), 0);
		r = cap_open(path, err, sizeof(err));
		assert_non_null(r);
		while (cap_next(r, &rec) == CAP_NEXT_OK)
			;
		size_t whole = 0;
		while (whole < nb && bounds[whole] <= (size_t)cut)
			whole++;
		assert_int_equal(cap_records_read(r), whole);
		uint64_t partial;
		size_t last = whole ? bounds[whole - 1] : sizeof(struct cap_file_header);
		assert_int_equal(cap_truncated(r, &partial), (size_t)cut != last);
		assert_int_equal(partial, (size_t)cut - last);
		cap_close(r);
	}
	assert_int_equal(truncate(path, 10), 0);
	assert_null(cap_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "shorter than the header"));
}

static void garbage_refused(void **state)
{
	(void)state;
	char err[256];
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 200; i++)
		fputc('x', f);
	fclose(f);
	assert_null(cap_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "bad magic"));

	/* a good header, then a record claiming 12 bytes */
	struct cap_writer *w = open_writer();
	assert_int_equal(cap_writer_close(w, false), 0);
	f = fopen(path, "a");
	struct cap_record bad = { .type = CAP_REC_PROBE, .size = 12 };
	fwrite(&bad, sizeof(bad), 1, f);
	fclose(f);
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	assert_non_null(r);
	const struct cap_record *rec;
	enum cap_next_result res;
	while ((res = cap_next(r, &rec)) == CAP_NEXT_OK)
		;
	assert_int_equal(res, CAP_NEXT_CORRUPT);
	assert_non_null(strstr(cap_error(r), "impossible size 12"));
	cap_close(r);
}

/* payload decoders refuse records whose contents do not fit */
static void malformed_payloads(void **state)
{
	(void)state;
	uint8_t buf[256] __attribute__((aligned(8)));
	struct cap_record *rec = (struct cap_record *)buf;
	struct cap_probe *pr = (struct cap_probe *)(rec + 1);
	struct cap_probe_view pv;

	memset(buf, 'a', sizeof(buf));
	*rec = (struct cap_record){ .type = CAP_REC_PROBE, .size = 32 + 8 + 16 };
	pr->probe_id = 1;
	pr->nargs = 3; /* 3 args need 24 bytes, only 16 present */
	pr->str_mask = 0;
	assert_int_equal(cap_decode_probe(rec, &pv), -1);
	pr->nargs = 2;
	pr->str_mask = 1; /* string not NUL-terminated within the record */
	assert_int_equal(cap_decode_probe(rec, &pv), -1);
	pr->str_mask = 4; /* bit beyond nargs */
	assert_int_equal(cap_decode_probe(rec, &pv), -1);
	pr->nargs = 40;
	assert_int_equal(cap_decode_probe(rec, &pv), -1);

	const char *k, *v;
	*rec = (struct cap_record){ .type = CAP_REC_META, .size = 40 };
	memcpy(rec + 1, "key\0valu", 8); /* value without NUL */
	assert_int_equal(cap_decode_meta(rec, &k, &v), -1);

	const uint8_t *data;
	uint32_t len;
	uint16_t id;
	*rec = (struct cap_record){ .type = CAP_REC_TP_EVENT, .size = 48 };
	struct cap_tp_event *ev = (struct cap_tp_event *)(rec + 1);
	ev->len = 9; /* only 8 bytes after the fixed part */
	assert_int_equal(cap_decode_tp_event(rec, &data, &len, &id), -1);
	ev->len = 8;
	assert_int_equal(cap_decode_tp_event(rec, &data, &len, &id), 0);

	const struct cap_stack *st;
	*rec = (struct cap_record){ .type = CAP_REC_STACK, .size = 48 };
	((struct cap_stack *)(rec + 1))->nframes = 2; /* room for one */
	assert_int_equal(cap_decode_stack(rec, &st), -1);
}

/* Bytes the files of a bounded capture take on disk (allocated blocks). */
static uint64_t disk_bytes(void)
{
	char seg[80];
	struct stat st;
	uint64_t sum = 0;
	if (stat(path, &st) == 0)
		sum += (uint64_t)st.st_blocks * 512;
	for (unsigned k = 0; k < 2; k++) {
		seg_path(seg, sizeof(seg), k);
		if (stat(seg, &st) == 0)
			sum += (uint64_t)st.st_blocks * 512;
	}
	return sum;
}

/* A segment read on its own (as after a crash): a capture whose probes
 * decode by name, since it starts with every definition. */
static void segment_is_a_capture(unsigned k)
{
	char seg[80], err[256];
	seg_path(seg, sizeof(seg), k);
	struct cap_reader *r = cap_open(seg, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(cap_header(r)->target_pid, 4243);
	const struct cap_record *rec;
	int defs = 0, probes = 0;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		defs += rec->type == CAP_REC_PROBE_DEF;
		if (rec->type == CAP_REC_PROBE) {
			assert_int_equal(defs, 1); /* the definition came first */
			probes++;
		}
	}
	assert_int_equal(defs, 1);
	assert_true(probes > 0);
	assert_false(cap_truncated(r, NULL));
	cap_close(r);
}

#define RING_MAX (64 * 1024)
#define RING_EVENTS 3000

/* 3000 probe hits through a 64 KiB bound: two 32 KiB segments take turns. */
static void bounded_rotation(void **state)
{
	(void)state;
	static const char *const names[] = { "a", "s", "i", "t" };
	static const uint8_t types[] = { 0, 6, 0, 6 };
	char seg[80];
	uint64_t peak = 0;
	struct cap_writer *w = open_bounded_writer(RING_MAX);
	assert_int_equal(cap_writer_set_pid(w, 4243), 0);
	assert_int_equal(cap_write_probe_def(w, 0, "vmm", "runstate_set", "fmt", 4, names, types), 0);
	for (int i = 0; i < RING_EVENTS; i++) {
		uint64_t args[4] = { 1, 0x1000, (uint64_t)i, 0x2000 };
		const char *strs[4] = { NULL, "prelaunch", NULL, "running" };
		assert_int_equal(cap_write_probe(w, CAP_SRC_BPF, 1000 + (uint64_t)i, 10, 11, 0, 0, 4,
						 args, 0xa, strs), 0);
		if (i == 100)	/* dropped with the oldest events: the NOTE counts it */
			assert_int_equal(cap_write_lost(w, CAP_SRC_BPF, CAP_LOST_RINGBUF, 5), 0);
		if (i == RING_EVENTS - 10)	/* among the newest: stays in place */
			assert_int_equal(cap_write_lost(w, CAP_SRC_BPF, CAP_LOST_RINGBUF, 3), 0);
		if (i == 1500)	/* a definition written late is kept too */
			assert_int_equal(cap_write_note(w, "midway"), 0);
		if (i % 50 == 0) {
			assert_int_equal(cap_flush(w), 0);
			uint64_t b = disk_bytes();
			peak = b > peak ? b : peak;
		}
		if (i == 2000) {	/* mid-run, as a crash would leave them */
			assert_int_equal(cap_flush(w), 0);
			segment_is_a_capture(0);
			segment_is_a_capture(1);
		}
	}
	/* each segment holds at most RING_MAX / 2, a block more on disk */
	assert_true(peak <= RING_MAX + 2 * 4096);
	assert_int_equal(cap_writer_close(w, true), 0);
	for (unsigned k = 0; k < 2; k++) {
		seg_path(seg, sizeof(seg), k);
		assert_int_equal(access(seg, F_OK), -1);
	}
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= RING_MAX + 1024);

	char err[256];
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(cap_header(r)->target_pid, 4243);
	const struct cap_record *rec;
	int defs = 0, midway = 0, commands = 0, drop_notes = 0, lost = 0;
	int64_t first = -1, prev = -1;
	uint64_t dropped = 0, dropped_bytes = 0;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		const char *text, *k, *v;
		struct cap_probe_view pv;
		const struct cap_lost *l;
		switch (rec->type) {
		case CAP_REC_PROBE_DEF:
			defs++;
			break;
		case CAP_REC_META:
			assert_int_equal(cap_decode_meta(rec, &k, &v), 0);
			commands += !strcmp(k, "command");
			break;
		case CAP_REC_NOTE:
			assert_int_equal(first, -1); /* definitions and notes before the events */
			assert_int_equal(cap_decode_text(rec, &text), 0);
			midway += !strcmp(text, "midway");
			if (cap_parse_drop_note(text, &dropped, &dropped_bytes)) {
				drop_notes++;
				assert_non_null(strstr(text, "kvmscope record --max-size 65536 bytes: the "));
				assert_non_null(strstr(text, "among them 1 LOST records counting 5 lost"));
			}
			break;
		case CAP_REC_PROBE:
			assert_int_equal(cap_decode_probe(rec, &pv), 0);
			assert_string_equal(pv.strs[3], "running");
			if (first < 0)
				first = (int64_t)pv.args[2];
			else	/* in order, none missing between the oldest kept and the newest */
				assert_int_equal(pv.args[2], prev + 1);
			prev = (int64_t)pv.args[2];
			break;
		case CAP_REC_LOST:
			assert_int_equal(cap_decode_lost(rec, &l), 0);
			assert_int_equal(l->count, 3);
			assert_int_equal(prev, RING_EVENTS - 10);
			lost++;
			break;
		}
	}
	assert_true(cap_saw_end(r));
	cap_close(r);
	assert_int_equal(defs, 1);
	assert_int_equal(commands, 1);
	assert_int_equal(midway, 1);
	assert_int_equal(drop_notes, 1);
	assert_int_equal(lost, 1);
	assert_int_equal(prev, RING_EVENTS - 1);	/* the newest survived */
	assert_true(first > 100);			/* the oldest did not */
	/* the older segment was full: at least half the bound is kept events
	 * (96-byte records, less a segment's header and definitions) */
	assert_true((RING_EVENTS - first) * 96 >= RING_MAX / 2 - 2048);
	assert_true((RING_EVENTS - first) * 96 <= RING_MAX);
	assert_int_equal(dropped, (uint64_t)first + 1);	/* the probes before it and a LOST */
	assert_true(dropped_bytes > (uint64_t)first * 64);
}

/* Under the bound nothing rotates: the capture is what an unbounded writer
 * leaves, with no segment beside it and no NOTE. */
static void bounded_unfilled(void **state)
{
	(void)state;
	char seg[80], err[256];
	struct cap_writer *w = open_bounded_writer(1 << 20);
	write_sample(w);
	assert_int_equal(cap_writer_close(w, true), 0);
	for (unsigned k = 0; k < 2; k++) {
		seg_path(seg, sizeof(seg), k);
		assert_int_equal(access(seg, F_OK), -1);
	}
	struct cap_reader *r = cap_open(path, err, sizeof(err));
	assert_non_null(r);
	const struct cap_record *rec;
	int probes = 0, notes = 0;
	while (cap_next(r, &rec) == CAP_NEXT_OK) {
		probes += rec->type == CAP_REC_PROBE;
		notes += rec->type == CAP_REC_NOTE;
	}
	assert_true(cap_saw_end(r));
	cap_close(r);
	assert_int_equal(probes, 3);
	assert_int_equal(notes, 0);
}

/* The NOTE's wording is read back by kvmscope ci; other notes are not it. */
static void drop_note_wording(void **state)
{
	(void)state;
	char note[320];
	uint64_t n, b;
	struct cap_drop d = { .records = 812, .bytes = 40960 };
	cap_format_drop_note(note, sizeof(note), "kvmscope ci", 64ull << 20, &d);
	assert_string_equal(note, "kvmscope ci --max-size 64 MiB: the 812 oldest event records "
			    "(40960 bytes) were dropped");
	assert_true(cap_parse_drop_note(note, &n, &b));
	assert_int_equal(n, 812);
	assert_int_equal(b, 40960);
	assert_false(cap_parse_drop_note("tracepoint kvm:kvm_foo: absent on this kernel", &n, &b));
	assert_true(cap_record_is_event(CAP_REC_LOST));
	assert_true(cap_record_is_event(CAP_REC_STACK));
	assert_false(cap_record_is_event(CAP_REC_PROBE_DEF));
	assert_false(cap_record_is_event(CAP_REC_SYMBOL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(bounded_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(bounded_unfilled, setup, teardown),
		cmocka_unit_test_setup_teardown(drop_note_wording, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
