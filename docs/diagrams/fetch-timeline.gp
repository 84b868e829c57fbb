# fetch-timeline.gp - five 100 ms pages fetched three ways (lessons 01, 02, 04-06).
#
# One panel per program: a row per fetch (from request sent to answer in)
# and a row for what the one thread does meanwhile: asleep in the kernel,
# or on the CPU. The times are what the fetchers printed for five URLs of
# `make pageserver ARGS='--delay 100ms'`: lessons 01 and 02 as course.md
# quotes them (chapters 01 and 02), lesson 04 from a run of
# build/lessons/04-select/fetch on the same five URLs. The thread's short
# spells on the CPU are widened to 2 ms so that they can be seen.
# `make diagrams` renders it to fetch-timeline.svg (set preview=1 for a PNG).
if (exists("preview")) {
    set terminal pngcairo size 900,760 font "DejaVu Sans,10"
} else {
    set terminal svg size 900,760 font "DejaVu Sans,12" background "white"
}

wait_c  = "#9ecae1"   # a fetch waiting for the server
sleep_c = "#d9d9d9"   # the thread asleep in the kernel
cpu_c   = "#d62728"   # the thread on the CPU

# Columns: start ms, end ms, row (5..1: fetch 1..5, 0: the thread).
$blocking_wait << END
0 109 5
109 209.4 4
209.4 309.8 3
309.8 410.2 2
410.2 510.6 1
END
$blocking_sleep << END
2 108 0
111 208.4 0
211.4 308.8 0
311.8 409.2 0
412.2 509.6 0
END
$blocking_cpu << END
0 2 0
108 111 0
208.4 211.4 0
308.8 311.8 0
409.2 412.2 0
509.6 511.6 0
END

$busy_wait << END
1 110 5
1 109.6 4
1 102.4 3
1 108.9 2
1 108.9 1
END
$busy_cpu << END
0 110.5 0
END

$mux_wait << END
1 102 5
1 101 4
1 103 3
1 104 2
1 101 1
END
$mux_sleep << END
2 100 0
END
$mux_cpu << END
0 2 0
100 102 0
102 104 0
104 106 0
END

# Nothing to draw in panel 2, only a key entry.
$offscale << END
1000 1001 0
END

h = 0.32
set xrange [0:560]
set yrange [-0.7:5.7]
set ytics ("fetch 1" 5, "fetch 2" 4, "fetch 3" 3, "fetch 4" 2, "fetch 5" 1, "the thread" 0) scale 0
set grid xtics lc rgb "#e8e8e8"
set border 3
set xtics nomirror out 100
set style fill solid 1.0 noborder
set lmargin at screen 0.12
set rmargin at screen 0.97
box = "using (($1+$2)/2):3:1:2:($3-h):($3+h) with boxxyerror"

set multiplot title "Five pages, each answered after 100 ms, fetched by one thread" font ",14"

set key off
set title "1. Blocking (lesson 01): one after another — 511 ms in all, 1 ms on the CPU" font ",12"
set tmargin at screen 0.89
set bmargin at screen 0.675
plot $blocking_wait @box lc rgb wait_c, $blocking_sleep @box lc rgb sleep_c, $blocking_cpu @box lc rgb cpu_c

set title "2. Non-blocking, busy loop (lesson 02): all at once — 110 ms, and it never sleeps"
set tmargin at screen 0.545
set bmargin at screen 0.36
set label 1 "recv() and connect() asked again and again:\n91,827 calls found nothing to do" at 140, 1.5 left font ",11"
# The key, once, in the room this panel leaves.
set key at 555, 5.6 right top vertical Left reverse samplen 2 spacing 1.2 font ",11"
plot $busy_wait @box lc rgb wait_c title "a fetch waits for the server", \
     $busy_cpu @box lc rgb cpu_c title "the thread runs on the CPU", \
     $offscale @box lc rgb sleep_c title "the thread sleeps in the kernel"
unset key

set title "3. select / poll / epoll (lessons 04–06): all at once — 104 ms, under 1 ms on the CPU"
set tmargin at screen 0.26
set bmargin at screen 0.075
set label 1 "one sleep in select() until answers are in,\nthen a short wake-up per answer: 6 calls in all" at 140, 2.5 left font ",11"
set xlabel "milliseconds since the start" offset 0, 0.3
plot $mux_wait @box lc rgb wait_c, $mux_sleep @box lc rgb sleep_c, $mux_cpu @box lc rgb cpu_c
unset multiplot
