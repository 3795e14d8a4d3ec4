#!/bin/sh
# Any CI: exit 0 passes, 1 means risky findings at or above --fail-on, 2 a tool or input error.
set -eu
pip install assessor
status=0
assessor ci "${1:-.}" --baseline .assessor-baseline.json --fail-on high --output assessor-ci || status=$?
cat assessor-ci/report.md
exit "$status"
