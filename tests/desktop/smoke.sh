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
# 4. --model=DIR: a GPT-2-shaped checkpoint (the CLI tests' writer, random weights) opens in the
#    Model mode and runs the default text: its head labels and next tokens are the ones attn gives
root=$(cd "$(dirname "$0")/../.." && pwd)
ckpt=$(mktemp -d)
if /usr/bin/python3 -c "
import sys; sys.argv = ['x', 'unused']; sys.path.insert(0, '$root/tests/cli')
import test_models as t
c, W = t.gpt2_checkpoint(d=32, heads=4, layers=2, n_pos=64, vocab=300, buffers=False)
t.write_checkpoint('$ckpt', c, W)" >/tmp/attn-desktop.log 2>&1; then
  out=$(timeout 120 "$app" --frames=40 "--model=$ckpt" 2>>/tmp/attn-desktop.log | grep '^model: ')
  attn="$(dirname "$app")/attn"
  want=$("$attn" model --model "$ckpt" --ids 1,2,3,4 --top 1 2>/dev/null | awk '/ p = /{print $1; exit}')
  got=$(echo "$out" | sed -n 's/.*"top":\[\[\([0-9]*\),.*/\1/p')
  labels=$(echo "$out" | grep -o '"labels":\[[^]]*\]' | tr ',' '\n' | wc -l)
  if echo "$out" | grep -q '"ran":true' && [ "$labels" = 8 ] && [ -n "$want" ] && [ "$got" = "$want" ]; then
    ok "--model=DIR opens the checkpoint in the Model mode: 8 heads labelled, next token $got as attn model says"
  else bad "--model=DIR: '$out' (attn model's top: '$want')"; fi
  "$app" "--model=$ckpt" >/tmp/attn-desktop-model.log 2>&1 &
  pid=$!
  xdotool search --sync --name "Attention Playground" >/dev/null 2>&1
  sleep 3
  mshot="${shot%.png}-model.png"
  import -window root "$mshot"
  sd=$(convert "$mshot" -colorspace Gray -format '%[fx:standard_deviation*255]' info:)
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
  if awk "BEGIN{exit !($sd > 10)}"; then ok "the model view is on screen (std dev $sd)"; else bad "the model view looks blank (std dev $sd)"; fi
else
  bad "could not write the checkpoint ($(tail -2 /tmp/attn-desktop.log))"
fi
rm -rf "$ckpt"
echo "$passed passed, $fail failed"
[ $fail = 0 ]
