#!/usr/bin/env bash
# results.csv -> results.md (tables with ratios against Boost.Asio and the bare epoll loop, the
# machine and settings at the top) and results.png (server CPU per round trip).
#   report.sh RESULTS.csv OUT_DIR "settings line" ["command line"]
set -euo pipefail
csv=$1 out=$2 settings=$3 command=${4:-tests/bench/run.sh}
md=$out/results.md
{
  echo "# Echo benchmark: server CPU per round trip, side by side"
  echo
  echo "- Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); Linux $(uname -r)"
  echo "- Run: $(date -u '+%Y-%m-%d %H:%M UTC'); $settings"
  echo "- Command: \`$command\` (method: tests/bench/README.md)"
  echo "- **server µs/rt** = the server process's user+system CPU during the measurement / round trips:"
  echo "  the figure that separates servers on 2 cores, where the load generator is often the bottleneck."
  echo "  Ratios are against Boost.Asio (\`/asio\`), the bare epoll loop (\`/epoll\`) and the C++ component's"
  echo "  OnExecute server (\`/ours-execute\`; \`pascal-execute\` is the same server through the Pascal bridge), in the same run."
  echo
} >"$md"
awk -F, -v md="$md" '
  NR == 1 { next }
  {
    key = $2 "," $3
    if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
    n = ++count[key]; row[key, n] = $0
    if ($1 == "asio") asio[key] = $6
    if ($1 == "epoll") epoll[key] = $6
    if ($1 == "ours-execute") cpp[key] = $6
  }
  function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "–" : sprintf("%.2f×", a / b) }
  function num(x, f) { return x == "" ? "–" : sprintf(f, x) }
  END {
    for (k = 1; k <= nk; k++) {
      key = keys[k]; split(key, p, ",")
      printf "## %s connections, %s-byte messages\n\n", p[1], p[2] >> md
      print "| server | round trips/s | server µs/rt | /asio | /epoll | /ours-execute | p50 µs | p99 µs | p99.9 µs | peak RSS MiB | threads |" >> md
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" >> md
      for (i = 1; i <= count[key]; i++) {
        split(row[key, i], f, ",")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], num(f[5], "%.0f"), num(f[6], "%.2f"),
          ratio(f[6], asio[key]), ratio(f[6], epoll[key]), ratio(f[6], cpp[key]), num(f[7], "%.0f"), num(f[8], "%.0f"), num(f[9], "%.0f"),
          num(f[10] / 1024, "%.1f"), f[11] >> md
      }
      print "" >> md
    }
  }' "$csv"

# Idle memory per connection.
idle=$out/idle.csv
if [ -f "$idle" ] && [ "$(wc -l <"$idle")" -gt 1 ]; then
  {
    echo "## Idle memory: $(awk -F, 'NR == 2 {print $2}' "$idle") connections held without traffic"
    echo
    echo "Resident memory of the server process with the connections open, minus before they came,"
    echo "per connection (VmRSS from /proc; kernel socket buffers are not in it)."
    echo
    echo "| server | bytes per connection | RSS before MiB | RSS with the connections MiB | threads |"
    echo "|---|---:|---:|---:|---:|"
    awk -F, 'NR > 1 { printf "| %s | %s | %.1f | %.1f | %s |\n", $1, $5, $3 / 1024, $4 / 1024, $6 }' "$idle"
    echo
  } >>"$md"
fi

# Scale: one server process with every connection at once.
scale=$out/scale.csv
if [ -f "$scale" ] && [ "$(wc -l <"$scale")" -gt 1 ]; then
  {
    echo "## Scale: $(awk -F, 'NR == 2 {print $2}' "$scale") connections in one server process"
    echo
    echo "Clients in the load generator's process, from three loopback source addresses; 64-byte ping-pong."
    echo
    echo "| server | connected | connects/s | round trips/s | server µs/rt | p99 µs | RSS MiB | threads |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F, 'NR > 1 { if ($3 == "") printf "| %s | failed | | | | | | |\n", $1;
                      else printf "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.1f | %s |\n", $1, $3, $4, $5, $6, $7, $8 / 1024, $9 }' "$scale"
    echo
  } >>"$md"
fi

# The chart: server CPU per round trip, one cluster per (connections, size), one bar per server.
dat=$out/.chart.dat
awk -F, 'NR == 1 { next }
  { key = $2 " / " $3 " B"; if (!(key in k)) { k[key] = ++nk; names[nk] = key }
    if (!($1 in s)) { s[$1] = ++ns; sn[ns] = $1 } v[k[key], s[$1]] = $6 }
  END { printf "group"; for (j = 1; j <= ns; j++) printf "\t%s", sn[j]; printf "\n"
        for (i = 1; i <= nk; i++) { printf "\"%s\"", names[i]; for (j = 1; j <= ns; j++) printf "\t%s", (v[i, j] == "" ? "NaN" : v[i, j]); printf "\n" } }' \
  "$csv" >"$dat"
columns=$(head -1 "$dat" | awk -F'\t' '{print NF}')
if [ "$(wc -l <"$dat")" -lt 2 ]; then  # No matrix points (e.g. only --idle / --scale ran): no chart.
  rm -f "$dat"
  echo "report.sh: $md (no matrix points, no chart)"
  exit 0
fi
gnuplot <<GP
set terminal pngcairo size 1100,520 font "DejaVu Sans,10"
set output "$out/results.png"
set title "Echo server CPU per round trip (lower is better)"
set ylabel "server CPU µs per round trip"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top left
set grid ytics
set yrange [0:*]
set datafile separator "\t"
set xtics nomirror
plot for [c=2:$columns] "$dat" using c:xtic(1) title columnheader(c)
GP
rm -f "$dat"
echo "report.sh: $md"
