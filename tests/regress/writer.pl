#!/usr/bin/env perl
# writer PATH PREFIX RATE: appends "PREFIX id=NNNNNNNN ...\n" lines with
# unique ids to PATH at RATE lines a second, as an application logging
# does: whole lines of 56 to 116 bytes, one write(2) every 10 ms.  SIGHUP reopens PATH (the
# application told that its log was rotated); SIGTERM stops it after the
# current write; SIGUSR1 makes it stop itself (SIGSTOP) between two writes,
# never in the middle of one (a test that removes the file while it is
# stopped loses no line to the removed file; continue it with SIGCONT).
# Lines written: all of them are in the files, in order.
use strict;
use warnings;
use Time::HiRes qw(time sleep);

my ($path, $prefix, $rate) = @ARGV;
die "usage: writer PATH PREFIX RATE\n" unless defined $rate;
my ($fh, $reopen, $stop, $seq, $pause) = (undef, 1, 0, 0, 0);
$SIG{HUP} = sub { $reopen = 1 };
$SIG{USR1} = sub { $pause = 1 };
$SIG{TERM} = sub { $stop = 1 };
my $fill = join('', map { chr(ord('a') + $_ % 26) } 0 .. 100);
my $t0 = time;
while (!$stop) {
	if ($pause) {
		$pause = 0;
		kill 'STOP', $$;
		next;		# signals sent while stopped are seen first
	}
	if ($reopen) {
		close $fh if defined $fh;
		open($fh, '>>', $path) or die "writer: $path: $!\n";
		$reopen = 0;
	}
	my $due = int((time - $t0) * $rate);
	my $buf = '';
	while ($seq < $due) {
		$buf .= sprintf("%s id=%08d %s\n", $prefix, $seq,
		    substr($fill, 0, 40 + $seq % 61));
		$seq++;
	}
	if (length $buf) {
		my $off = 0;
		while ($off < length $buf) {
			my $n = syswrite($fh, $buf, length($buf) - $off, $off);
			next if !defined $n && $!{EINTR};
			die "writer: write: $!\n" unless defined $n;
			$off += $n;
		}
	}
	sleep 0.01;
}
close $fh;
