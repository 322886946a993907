#!/usr/bin/env bash
# End to end in a real terminal: the dashboard on the embedded default inside tmux.
#  1. the panes fill in; j shows the Jaccard pane; s saves masks while the step counter keeps rising;
#     q then y stops, saves masks, scores and a checkpoint, and exits 0;
#  2. killing the tmux session (SIGHUP to the app) detaches the UI; the run finishes headless and saves.
# Prints one line per check and ends with "N passed, N failed". Needs tmux and a built app (./deltatui builds it).
. "$(dirname "$0")/lib/harness.sh" e2e tmux
screen() { tm capture-pane -p -t e2e 2>/dev/null; }
step_now() { screen | sed -nE 's/.*step ([0-9]+)\/[0-9]+.*/\1/p' | head -1; }


common=(--run.output_root "$work/runs" --masks.output_dir "$work/masks")
start() { # start NAME EXTRA...
  local name=$1; shift
  tm new-session -d -s e2e -x 120 -y 40 \
    "cd '$repo' && TERM=xterm-256color ./deltatui train --config configs/demo.json --run.name $name ${common[*]} $* 2>'$work/$name.err'; echo \$? > '$work/$name.exit'; sleep 600"
}

# --- run 1: keys -----------------------------------------------------------------------------
start keys --training.steps 400
check "dashboard starts and shows the run" "wait_for 240 'screen | grep -q \"RUNNING\"'"
check "panes fill in (training, GPU, delta, IoU, log)" "wait_for 120 'screen | grep -q \"loss 0\\.\" && screen | grep -q \"GPU\" && screen | grep -q \"Weight delta\" && screen | grep -q \"Mask IoU\" && screen | grep -q \"Log\"'"
tm send-keys -t e2e j
check "j shows the Jaccard debug pane" "wait_for 10 'screen | grep -q \"Jaccard debug\"'"
before=$(step_now)
tm send-keys -t e2e s
check "s saves a mask file" "wait_for 60 'ls \"$work/masks\"/keys/*.pt >/dev/null 2>&1'"
sleep 2
after=$(step_now)
check "the step counter keeps rising after s (${before:-?} -> ${after:-?})" "[ -n \"$before\" ] && [ -n \"$after\" ] && [ \"$after\" -gt \"$before\" ]"
tm send-keys -t e2e q
check "q asks before stopping" "wait_for 10 'screen | grep -q \"Stop training?\"'"
tm send-keys -t e2e y
check "after y the app exits with 0" "wait_for 120 '[ -f \"$work/keys.exit\" ]' && [ \"\$(cat \"$work/keys.exit\")\" = 0 ]"
check "masks for magnitude, momentum and fisher were saved" "ls \"$work/masks\"/keys/magnitude-step*.pt \"$work/masks\"/keys/momentum-step*.pt \"$work/masks\"/keys/fisher-step*.pt >/dev/null 2>&1"
check "scores and a checkpoint were saved" "ls \"$work/runs\"/keys/scores-step*.safetensors >/dev/null 2>&1 && ls -d \"$work/runs\"/keys/checkpoints/step-*/COMPLETE >/dev/null 2>&1"
check "the exit message says where things are" "screen | grep -q 'fisher mask' && screen | grep -q \"$work/runs/keys\""
tm kill-server 2>/dev/null
sleep 1; rm -f "$sock"

# --- run 2: hang-up --------------------------------------------------------------------------
start hup --training.steps 60
check "second run starts" "wait_for 240 'screen | grep -q \"RUNNING\"'"
tm kill-server 2>/dev/null   # the pane's terminal goes away: SIGHUP
check "after SIGHUP the run finishes headless" "wait_for 300 'grep -q \"\\\"type\\\":\\\"RunFinished\\\"\" \"$work/runs/hup/metrics.jsonl\" 2>/dev/null'"
check "and saves masks and the final checkpoint" "wait_for 30 'ls \"$work/masks\"/hup/fisher-step*.pt >/dev/null 2>&1 && ls \"$work/final_checkpoint\"/hup/model.safetensors >/dev/null 2>&1'"
check "console output went to the run folder" "[ -s \"$work/runs/hup/console.log\" ]"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
