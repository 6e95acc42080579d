# bench-arm64-lab-time.pl RUNS CMD...: runs CMD RUNS times (inside the arm64
# lab, where no hyperfine is) and prints per run the microseconds from the
# start to CMD's first byte on stdout, to its exit, and its status.
use strict;
use warnings;
use Time::HiRes qw(time);

my $runs = shift @ARGV;
open(STDIN, '<', '/dev/null') or die "stdin: $!\n";
open(STDERR, '>', '/dev/null') or die "stderr: $!\n";
for (1 .. $runs) {
	my $t0 = time;
	my $pid = open(my $fh, '-|', @ARGV) // die "run $ARGV[0]: $!\n";
	my $buf;
	my $got = sysread($fh, $buf, 1);
	my $t1 = time;
	1 while sysread($fh, $buf, 65536);
	close $fh;
	my $status = $? >> 8;
	my $t2 = time;
	printf "%d %d %d\n", $got ? ($t1 - $t0) * 1e6 : -1, ($t2 - $t0) * 1e6, $status;
}
