#!/bin/bash
# pp_breakdown.sh STEP_S JOURNAL...: where poolpilot's time above the
# physical minimum goes, from its own journal (ts has millisecond
# resolution; every record is written before the action it describes).
#
#   per step kind: mean and max of (step-end - step-start) - STEP_S
#   domain span:   domain-start .. domain-done, minus 4 x STEP_S
#   between:       domain-done .. next domain-start (readiness checks, gate)
#   start / end:   first record .. first domain-start; last domain-done .. complete
# Averages over every journal given.
set -euo pipefail
step=$1
shift
jq -s -r --argjson step "$step" '
  def ms: ((.ts[0:19] + "Z") | fromdateiso8601) * 1000 + (.ts[20:23] | tonumber);
  def mean: if length == 0 then 0 else add / length end;
  def f: . * 1000 | round / 1000;
  map(. + {ms: ms}) as $r
  | ($r | map(select(.event == "step-start"))) as $starts
  | ($r | map(select(.event == "step-end"))) as $fins
  | [ $fins[] as $e
      | ($starts | map(select(.server == $e.server and .step == $e.step and .ms <= $e.ms)) | last) as $s
      | {step: $e.step, extra: (($e.ms - $s.ms) / 1000 - $step)} ]
  | group_by(.step)
  | map("step \(.[0].step): mean +\((map(.extra) | mean) | f)s, max +\((map(.extra) | max) | f)s over \(length) runs of it")
  | .[]
' "$@"
for j in "$@"; do
    jq -s -r --argjson step "$step" '
      def ms: ((.ts[0:19] + "Z") | fromdateiso8601) * 1000 + (.ts[20:23] | tonumber);
      def f: . * 1000 | round / 1000;
      map(. + {ms: ms}) as $r
      | ($r | map(select(.event == "domain-start"))) as $ds
      | ($r | map(select(.event == "domain-done"))) as $dd
      | ($r | map(select(.event == "complete")) | first // ($r | last)) as $fin
      | [range(0; $ds | length) | ($dd[.].ms - $ds[.].ms) / 1000 - 4 * $step] as $span
      | [range(1; $ds | length) | ($ds[.].ms - $dd[. - 1].ms) / 1000] as $gap
      | "\(input_filename // "journal"): start \((($ds[0].ms - $r[0].ms) / 1000) | f)s; domain spans +\($span | map(f) | join(" +"))s; between domains \($gap | map(f) | join(" "))s; end \((($fin.ms - ($dd | last).ms) / 1000) | f)s; readiness checks \($r | map(select(.event == "readiness")) | length)"
    ' "$j"
done
