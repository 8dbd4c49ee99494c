#!/usr/bin/env bash
# Desktop smoke test: under Xvfb the native app opens a window, renders frames, is not blank
# in a screenshot, quits on Ctrl+Q with exit code 0, and --frames=N exits 0 by itself.
# Usage: tests/desktop/smoke.sh build/native/attention-playground [SCREENSHOT.png]
set -u
app=$(realpath "$1")
shot=${2:-$(mktemp --suffix=.png)}
fail=0; passed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# our own display, so nothing on the machine is disturbed
disp=:$((90 + RANDOM % 9))
while [ -e "/tmp/.X11-unix/X${disp#:}" ]; do disp=:$((${disp#:} + 1)); done
Xvfb "$disp" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null' EXIT
export DISPLAY=$disp
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

# 1. a fixed number of frames, then exit 0
if timeout 60 "$app" --frames=120 >/tmp/attn-desktop.log 2>&1; then ok "renders 120 frames and exits 0"; else bad "--frames=120 exit code $? ($(tail -3 /tmp/attn-desktop.log))"; fi

# 2. a window that shows something, and quits when asked
"$app" preset=causal >/tmp/attn-desktop.log 2>&1 &
pid=$!
if xdotool search --sync --name "Attention Playground" >/dev/null 2>&1; then ok "opens a window"; else bad "no window"; fi
sleep 2
import -window root "$shot"
sd=$(convert "$shot" -colorspace Gray -format '%[fx:standard_deviation*255]' info:)
if awk "BEGIN{exit !($sd > 10)}"; then ok "screenshot is not blank (std dev $sd)"; else bad "screenshot looks blank (std dev $sd)"; fi
# NOTE: there is no window manager to give the window focus: set it directly
wid=$(xdotool search --name "Attention Playground" | head -n 1)
xdotool windowfocus --sync "$wid" key ctrl+q
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then kill $pid; bad "did not quit on Ctrl+Q"; else
  wait $pid; rc=$?
  if [ $rc = 0 ]; then ok "quits on Ctrl+Q with exit code 0"; else bad "exit code $rc after Ctrl+Q"; fi
fi
# 3. the Train mode trains a few hundred steps of a link's run, and says where it got
out=$(timeout 120 "$app" --frames=400 "mode=train&train=lesson:Sort&tstep=300" 2>/tmp/attn-desktop.log | grep '^train: ')
step=$(echo "$out" | sed -n 's/.*"runs":\[{"label":"[^"]*","step":\([0-9]*\).*/\1/p')
held=$(echo "$out" | sed -n 's/.*"heldout":\([0-9.e-]*\).*/\1/p' | head -n 1)
if [ "${step:-0}" = 300 ]; then ok "Train mode: a link's run trained to step 300 (held-out accuracy $held)"; else bad "Train mode stopped at step '${step}' ($out)"; fi
echo "$passed passed, $fail failed"
[ $fail = 0 ]
