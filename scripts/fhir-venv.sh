#!/usr/bin/env bash
# Creates (or reuses) the Python virtualenv holding the FHIR R4 validator that
# scripts/validate-fhir.py uses, and prints the path of its python on stdout
# (everything else goes to stderr). `make fhir-test` runs it.
#
# Pinned: fhir.resources 6.2.2 is the last release whose models are FHIR R4
# (4.0.1); 6.4 and later are R4B (4.3.0) and 7.x is R5. It is built on pydantic 1.
# Installed with --no-deps so these three are exactly what runs.
set -euo pipefail

venv="$HOME/.cache/confidant/fhir-venv"
requirements=(fhir.resources==6.2.2 pydantic==1.10.27 typing_extensions==4.16.0)
stamp="$venv/confidant-requirements.txt"
wanted="$(printf '%s\n' "${requirements[@]}")"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] &&
  "$venv/bin/python" -c 'import fhir.resources' 2>/dev/null; then
  echo "$venv/bin/python"
  exit 0
fi

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  echo "fhir-venv: python3 cannot create virtualenvs; run 'make system-deps' (installs python3-venv)" >&2
  exit 1
fi

{
  echo "fhir-venv: creating $venv with ${requirements[*]}"
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "${requirements[@]}"
  "$venv/bin/python" -m pip check --disable-pip-version-check
} >&2
printf '%s\n' "$wanted" >"$stamp"
echo "$venv/bin/python"
