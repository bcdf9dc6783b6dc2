#!/usr/bin/env python3
"""Print the ninja targets (output paths relative to the build directory) that
the 'unit' test suite of a configured Meson build directory depends on."""
import json
import os
import subprocess
import sys

build = sys.argv[1]


def introspect(what):
    out = subprocess.run(["meson", "introspect", build, what],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


outputs = {t["id"]: t["filename"] for t in introspect("--targets")}
wanted = set()
for test in introspect("--tests"):
    if any(s.split(":")[-1] == "unit" for s in test["suite"]):
        wanted.update(test["depends"])
for target_id in sorted(wanted):
    for path in outputs[target_id]:
        print(os.path.relpath(path, os.path.abspath(build)))
