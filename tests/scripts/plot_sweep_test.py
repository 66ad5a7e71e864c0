#!/usr/bin/env python3
"""scripts/plot_sweep.py on a sweep with a baseline, a checkpoint that regresses on one category
only (all questions even) and a missing one: the regressed category's point is circled with its
p, the checkpoint shaded and labelled regressed; each line's legend entry gives its number of
questions; the legend lies beside the axes, clear of every point; the 'no results' label lies
inside the axes; the PNG is written whole.

Usage: plot_sweep_test.py REPO
"""
import csv
import io
import pathlib
import subprocess
import sys
import tempfile

repo = pathlib.Path(sys.argv[1])
sys.path.insert(0, str(repo / "scripts"))
import plot_sweep  # noqa: E402

SUMMARY = """checkpoint,scope,status,n,correct,accuracy,delta_points,p_value
base,all,baseline,200,120,60.000000,0.000000,1
base,STEM,baseline,100,60,60.000000,0.000000,1
base,other,baseline,100,60,60.000000,0.000000,1
shifted,all,ok,200,120,60.000000,0.000000,1
shifted,STEM,regressed,100,12,12.000000,-48.000000,0.0015
shifted,other,ok,100,108,108.000000,48.000000,0.0015
gone,all,missing,0,0,0.000000,0.000000,1
"""
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


rows = list(csv.DictReader(io.StringIO(SUMMARY)))
fig = plot_sweep.draw(rows, "MMLU accuracy: sweep")
ax = fig.axes[0]
fig.canvas.draw()
renderer = fig.canvas.get_renderer()
axes_box = ax.get_window_extent(renderer)
legend = ax.get_legend()
legend_box = legend.get_window_extent(renderer)
check(legend_box.x0 >= axes_box.x1, "the legend overlaps the axes")
labels = [t.get_text() for t in legend.get_texts()]
check("all questions (n=200)" in labels and "STEM (n=100)" in labels,
      f"legend entries lack the numbers of questions: {labels}")
check(any(label.startswith("regressed") for label in labels), f"no regressed entry: {labels}")
texts = {t.get_text(): t for t in ax.texts}
check("p=0.0015" in texts, f"the regressed category's p is not shown: {sorted(texts)}")
no_results = texts.get("no results")
check(no_results is not None, "no 'no results' label for the missing checkpoint")
if no_results is not None:
    box = no_results.get_window_extent(renderer)
    check(axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1, "the 'no results' label is clipped")
ticks = [t.get_text() for t in ax.get_xticklabels()]
check(ticks == ["base (baseline)", "shifted (regressed)", "gone"], f"tick labels: {ticks}")
check(ax.get_title() == "MMLU accuracy: sweep", f"title: {ax.get_title()}")

with tempfile.TemporaryDirectory() as tmp:
    csv_path, png = pathlib.Path(tmp, "summary.csv"), pathlib.Path(tmp, "summary.png")
    csv_path.write_text(SUMMARY)
    run = subprocess.run([sys.executable, str(repo / "scripts" / "plot_sweep.py"), str(csv_path),
                          str(png)], capture_output=True, text=True)
    check(run.returncode == 0, f"plot_sweep.py: exit {run.returncode}: {run.stderr}")
    check(png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "no PNG written")
    check(not pathlib.Path(str(png) + ".tmp.png").exists(), "a temporary PNG was left")

for f in failures:
    print("FAIL", f)
print(f"plot_sweep: {'all checks passed' if not failures else f'{len(failures)} failed'}")
sys.exit(1 if failures else 0)
