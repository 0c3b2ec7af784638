#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the sample data (README, first command). Usage: examples/run.sh BINARY
set -euo pipefail
bin=${1:?usage: examples/run.sh path/to/tabayyun}
"$bin" version
