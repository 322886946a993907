#!/usr/bin/env bash
# End to end over the control socket, in tmux: train --detach on the embedded default; `deltatui runs` lists it;
# `deltatui attach` shows the dashboard; s saves masks; Ctrl+D detaches (the run goes on); a second tmux session
# attaches again; p pauses (the step count holds); q then y stops and saves; `runs` then says stopped.
# Prints one line per check and ends with "N passed, N failed". Needs tmux and a built app (./deltatui builds it).
. "$(dirname "$0")/lib/harness.sh" attach tmux
screen() { tm capture-pane -p -t "$1" 2>/dev/null; }
step_of() { screen "$1" | sed -nE 's/.*step ([0-9]+)\/[0-9]+.*/\1/p' | head -1; }
runs_row() { (cd "$repo" && ./deltatui runs "$work/runs" 2>&1) | awk '$1 == "e2e"'; }
pid=""
on_exit+=('[ -n "$pid" ] && kill "$pid" 2>/dev/null')


out=$(cd "$repo" && ./deltatui train --detach --config configs/demo.json --run.name e2e --run.output_root "$work/runs" \
        --masks.output_dir "$work/masks" --training.steps 3000 2>&1)
echo "$out" | sed 's/^/  | /'
pid=$(echo "$out" | sed -nE 's/.*\(pid ([0-9]+)\).*/\1/p' | head -1)
check "train --detach returns, names the pid and says how to attach" "[ -n \"$pid\" ] && echo \"\$out\" | grep -q 'deltatui attach'"
check "the run goes on in the background" "kill -0 $pid 2>/dev/null"
check "its output goes to runs/NAME/console.log" "wait_for 60 '[ -s \"$work/runs/e2e/console.log\" ]'"
check "the socket is 0600 in a 0700 folder" "[ \"\$(stat -c %a \"$work/runs/e2e/control/control.sock\")\" = 600 ] && [ \"\$(stat -c %a \"$work/runs/e2e/control\")\" = 700 ]"
check "deltatui runs lists it alive with its pid (detached: no dashboard yet)" "wait_for 30 'runs_row | grep -q \"detached\" && runs_row | grep -q \" $pid\"'"

# --- first attacher --------------------------------------------------------------------------
tm new-session -d -s one -x 120 -y 40 "cd '$repo' && TERM=xterm-256color ./deltatui attach '$work/runs/e2e'; sleep 600"
check "attach shows the dashboard of the running run" "wait_for 120 'screen one | grep -q \"RUNNING\" && screen one | grep -q \"loss 0\\.\"'"
check "deltatui runs now says running (a dashboard is on it)" "wait_for 30 'runs_row | grep -q \" running \"'"
tm send-keys -t one s
check "s saves the masks" "wait_for 60 'ls \"$work/masks\"/e2e/fisher-step*.pt >/dev/null 2>&1 && ls \"$work/masks\"/e2e/magnitude-step*.pt >/dev/null 2>&1'"
tm send-keys -t one C-d
check "Ctrl+D detaches: the attacher leaves and says the run goes on" "wait_for 30 'screen one | grep -q \"detached;\"'"
before=$(grep -c '"type":"StepCompleted"' "$work/runs/e2e/metrics.jsonl")
check "after the detach the run goes on" "wait_for 30 '[ \$(grep -c \"\\\"type\\\":\\\"StepCompleted\\\"\" \"$work/runs/e2e/metrics.jsonl\") -gt $before ] && kill -0 $pid'"

# --- second attacher, from another tmux session ----------------------------------------------
tm new-session -d -s two -x 120 -y 40 "cd '$repo' && TERM=xterm-256color ./deltatui attach '$work/runs/e2e'; sleep 600"
check "a second session attaches again" "wait_for 120 'screen two | grep -q \"RUNNING\"'"
tm send-keys -t two p
check "p pauses" "wait_for 30 'screen two | grep -q \"PAUSED\"'"
steps() { grep -c '"type":"StepCompleted"' "$work/runs/e2e/metrics.jsonl"; }
sleep 1; held1=$(steps); shown1=$(step_of two); sleep 3; held2=$(steps); shown2=$(step_of two)
check "while paused the step count holds (metrics.jsonl ${held1:-?} = ${held2:-?} steps, screen ${shown1:-?} = ${shown2:-?})" "[ \"${held1:-0}\" -gt 0 ] && [ \"$held1\" = \"$held2\" ] && [ -n \"$shown1\" ] && [ \"$shown1\" = \"$shown2\" ]"
tm send-keys -t two q
check "q asks before stopping" "wait_for 10 'screen two | grep -q \"Stop training?\"'"
tm send-keys -t two y
check "after y the run stops and its process exits" "wait_for 120 '! kill -0 $pid 2>/dev/null'"
check "masks, scores and a checkpoint were saved" "ls \"$work/masks\"/e2e/momentum-step*.pt >/dev/null 2>&1 && ls \"$work/runs\"/e2e/scores-step*.safetensors >/dev/null 2>&1 && ls -d \"$work/runs\"/e2e/checkpoints/step-*/COMPLETE >/dev/null 2>&1"
check "the attacher leaves when the stop has saved" "wait_for 30 'screen two | grep -q \"deltatui attach: left\"'"
check "deltatui runs then says stopped" "runs_row | grep -q \" stopped \""
check "the socket is gone with the run" "[ ! -e \"$work/runs/e2e/control/control.sock\" ]"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
