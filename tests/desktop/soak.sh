#!/usr/bin/env bash
# Desktop soak: the native app under Xvfb takes 10,000 frames of random xdotool input (clicks,
# drags, keys, wheel); it must not crash and its memory must stay stable. On demand (make soak).
# Usage: tests/desktop/soak.sh build/native/attention-playground [FRAMES]
set -u
app=$(realpath "$1")
frames=${2:-10000}
disp=:$((80 + RANDOM % 9))
Xvfb "$disp" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null' EXIT
export DISPLAY=$disp
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
"$app" --frames="$frames" >/tmp/attn-soak.log 2>&1 &
pid=$!
xdotool search --sync --name "Attention Playground" >/dev/null
wid=$(xdotool search --name "Attention Playground" | head -n 1)
rss() { awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null; }
keys=(Left Right Up Down space h t g 1 2 Escape Tab Return a)
n=0; warm=""; peak=0
while kill -0 $pid 2>/dev/null; do
  x=$((RANDOM % 1280)); y=$((RANDOM % 800))
  case $((RANDOM % 5)) in
    0|1) xdotool mousemove $x $y click 1 ;;
    2) xdotool mousemove $x $y mousedown 1 mousemove $(( (x + RANDOM % 200) % 1280 )) $(( (y + RANDOM % 200) % 800 )) mouseup 1 ;;
    3) xdotool windowfocus "$wid" key "${keys[$((RANDOM % ${#keys[@]}))]}" 2>/dev/null ;;
    4) xdotool mousemove $x $y click $((4 + RANDOM % 2)) ;;
  esac
  n=$((n + 1))
  r=$(rss); [ -n "$r" ] || break
  [ $n = 100 ] && warm=$r
  [ "$r" -gt "$peak" ] && peak=$r
done
wait $pid; rc=$?
echo "desktop soak: $frames frames, $n input actions, exit code $rc, RSS after warm-up ${warm:-?} kB, peak ${peak} kB"
if [ $rc = 0 ] && [ -n "$warm" ] && [ "$peak" -lt $((warm * 12 / 10)) ]; then echo "1 passed, 0 failed"; exit 0; fi
echo "0 passed, 1 failed"; exit 1
