"""Run inside a mutmut work directory: names on stdin, one JSON object {name: diff} on stdout.

One process for every survivor instead of one `mutmut show` each.
"""

import json
import sys

from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant

diffs = {}
for name in sys.stdin.read().split():
    diffs[name] = get_diff_for_mutant(name, path=find_mutant(name).path)
print(json.dumps(diffs))
