#!/usr/bin/env python3
"""Static checks for holes that let a test pass without checking anything, and for the MPI rule.

Usage: check_tests.py REPO
Each rule names the file and line it flags; the exit code is the number of findings (capped).

- raw-mpi: an MPI_Xxx( call outside the MPI wrapper (src/parallel/mpi.cpp, with the ring
  heartbeat's protocol in mpi_heartbeat.cpp) and the MPI tensor collectives
  (src/parallel/collectives_mpi.cpp): elsewhere a return code could go unchecked.
- status-after-cat: `{ cat LOG; fail "... $?"; }` reports cat's exit status, not the command's.
- unchecked-pipe: `A | B || fail` in a shell test without pipefail: only B's status is seen, so a
  crash of A never fails the test.
- unused-grep: a grep whose status nothing reads, in a shell test that does not exit on errors:
  it prints and checks nothing.
- uncounted-continue: a GoogleTest body that skips cases with `continue` but counts nothing
  (++counter) that an assertion then checks.
- catalogue-count: the bad-input catalogue's minimum differs from the number of cases it makes,
  or the README states another number.
- readme-options: an option of mmlu_eval (src/app/options.cpp) missing from the README's table,
  or a row of the table for an option that does not exist.
"""
import pathlib
import re
import sys

repo = pathlib.Path(sys.argv[1])
findings = []


def flag(rule, path, line, text):
    findings.append(f"{rule}: {path.relative_to(repo)}:{line}: {text.strip()}")


# The MPI wrapper (mpi.cpp, and its message protocols, mpi_*.cpp) and the MPI tensor collectives.
MPI_ALLOWED = {"src/parallel/mpi.cpp", "src/parallel/mpi_heartbeat.cpp",
               "src/parallel/collectives_mpi.cpp"}
mpi_call = re.compile(r"\bMPI_[A-Z][a-z_0-9]*\s*\(")
for path in sorted(list((repo / "src").rglob("*.cpp")) + list((repo / "src").rglob("*.hpp")) +
                   list((repo / "include").rglob("*.hpp")) + list((repo / "jobs").glob("*.cpp"))):
    if str(path.relative_to(repo)) in MPI_ALLOWED:
        continue
    for n, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("//")[0]
        if mpi_call.search(code):
            flag("raw-mpi", path, n, line)

shell_tests = sorted(p for p in (repo / "tests").rglob("*.sh") if "fixtures" not in p.parts)
for path in shell_tests:
    text = path.read_text()
    lines = text.splitlines()
    pipefail = re.search(r"^\s*set -[a-z]*o pipefail|^\s*set -o pipefail", text, re.M) is not None
    exits_on_error = re.search(r"^\s*set -[a-z]*e", text, re.M) is not None
    for n, line in enumerate(lines, 1):
        code = line.split(" #")[0]
        if re.search(r"\bcat\b[^;]*;[^}]*\$\?", code):
            flag("status-after-cat", path, n, line)
        # A single | (not ||) before a || fail on the same logical line.
        if not pipefail and re.search(r"[^|]\|[^|].*\|\|\s*(fail|\{)", code):
            flag("unchecked-pipe", path, n, line)
        if not exits_on_error and re.match(r"\s*grep\b", code) and not re.search(
                r"\|\||&&|\||>|\\$|-c\b", code):
            prev = lines[n - 2] if n >= 2 else ""
            after = lines[n] if n < len(lines) else ""
            if not re.search(r"(\|\||&&|\||\bif|\bwhile|\{)\s*\\?\s*$", prev.split(" #")[0]) \
                    and "$?" not in after:
                flag("unused-grep", path, n, line)

test_macro = re.compile(r"^(TEST|TEST_F|TEST_P)\(")
for path in sorted(list((repo / "tests").rglob("*_test.cpp"))):
    lines = path.read_text().splitlines()
    start = None
    for n, line in enumerate(lines, 1):
        if test_macro.match(line):
            start = n
        elif start is not None and line == "}":
            body = "\n".join(lines[start - 1:n])
            counters = re.findall(r"\+\+(\w+);", body)
            counted = any(re.search(r"\b(EXPECT|ASSERT)_\w+\([^;]*\b" + c + r"\b", body)
                          for c in counters)
            if re.search(r"\bcontinue;", body) and not counted:
                flag("uncounted-continue", path, start, lines[start - 1])
            start = None

catalogue = repo / "tests" / "cli" / "bad_input_catalogue.sh"
text = catalogue.read_text()
minimum = re.search(r'\[ "\$cases" -ge (\d+) \]', text)
made = len(re.findall(r"^\s*(refuse|run_model|run_config|run_data)\s", text, re.M))
if not minimum:
    flag("catalogue-count", catalogue, 1, "no minimum number of cases asserted")
else:
    if int(minimum.group(1)) != made:
        flag("catalogue-count", catalogue, 1,
             f"asserts at least {minimum.group(1)} cases but makes {made}")
    readme = (repo / "README.md").read_text()
    stated = re.search(r"bad_input_catalogue\.sh`, (\d+) cases", readme)
    if not stated or stated.group(1) != minimum.group(1):
        flag("catalogue-count", repo / "README.md", 1,
             f"README states {stated.group(1) if stated else 'no'} catalogue cases, the "
             f"catalogue asserts {minimum.group(1)}")

options_cpp = repo / "src" / "app" / "options.cpp"
options = set(re.findall(r'^\s+\("([a-z-]+)[,"]', options_cpp.read_text(), re.M))
readme_text = (repo / "README.md").read_text()
table = readme_text[readme_text.index("| option | default | meaning |"):]
table = table[:table.index("\n\n")]
documented = set(re.findall(r"^\| `--([a-z-]+)", table, re.M))
for name in sorted(options - documented):
    flag("readme-options", repo / "README.md", 1, f"--{name} is missing from the options table")
for name in sorted(documented - options):
    flag("readme-options", repo / "README.md", 1, f"--{name} in the options table is no option")

for f in findings:
    print(f)
print(f"check_tests: {len(findings)} finding(s)")
sys.exit(min(len(findings), 100))
