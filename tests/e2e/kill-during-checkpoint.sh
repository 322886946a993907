#!/usr/bin/env bash
# End to end: a headless run on the embedded default, killed with SIGKILL while a checkpoint is being written
# (a checkpoint every step; the script waits for the checkpoint folder written aside, .step-NNNNNNN.tmp-PID-GUID),
# then --resume: the leftover is removed and logged, the run completes, and no temp file or folder remains.
# Prints one line per check and ends with "N passed, N failed". Needs a built app (./deltatui builds it).
. "$(dirname "$0")/lib/harness.sh" kill
child=
on_exit+=('[ -n "$child" ] && kill -9 "$child" 2>/dev/null')

run="$work/runs/k"
common=(--headless --run.device cpu --run.output_root "$work/runs" --masks.output_dir "$work/masks" --telemetry.enabled false
        --masks.mask_interval 0 --training.eval_every 0 --delta.delta_interval 0 --training.steps 12)
temps() { find "$work" -name '.*.tmp-*' 2>/dev/null; }

# Build first (outside the timed window), then start the run in the background with a checkpoint at every step.
(cd "$repo" && ./deltatui --help >/dev/null 2>&1)
(cd "$repo" && exec ./deltatui train --run.name k "${common[@]}" --checkpoint.save_every 1 >"$work/first.out" 2>&1) &
child=$!

caught=no
until=$((SECONDS + 60))
# A complete checkpoint first (something to resume from), then the next one caught while it is written aside.
while [ $SECONDS -lt $until ] && kill -0 "$child" 2>/dev/null && ! compgen -G "$run/checkpoints/step-*/COMPLETE" >/dev/null; do sleep 0.05; done
while [ $SECONDS -lt $until ] && kill -0 "$child" 2>/dev/null; do
  if compgen -G "$run/checkpoints/.step-*.tmp-*" >/dev/null; then
    kill -9 "$child" 2>/dev/null; caught=yes; break
  fi
done
wait "$child" 2>/dev/null; child=
check "the run was killed while a checkpoint folder was being written" "[ $caught = yes ]"
check "the kill left a temp folder behind" "[ -n \"\$(temps)\" ]"
left=$(temps | head -1)

(cd "$repo" && ./deltatui train --resume "$run" "${common[@]}" >"$work/resume.out" 2>&1); code=$?
[ $code -eq 0 ] || cat "$work/resume.out" >&2
check "--resume exits 0" "[ $code -eq 0 ]"
check "the resumed run's first line names the checkpoint, its step and its SHA check" \
  "head -1 '$work/resume.out' | grep -q 'resuming from checkpoint .*step-[0-9]* at step [0-9]* of 12 (SHA-256 of all'"
check "the resumed run completes" "grep -q 'finished at step 12' '$work/resume.out'"
check "the leftover is logged with its size" "grep -q 'removed the leftover of an interrupted write: .*\\.tmp-.*bytes' '$run/metrics.jsonl'"
check "no temp file or folder remains" "[ -z \"\$(temps)\" ]"
check "the leftover path is gone" "[ ! -e '$left' ]"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
