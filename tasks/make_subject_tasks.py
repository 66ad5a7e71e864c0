#!/usr/bin/env python3
"""Writes the subject tasks and groups of MMLU, CMMLU and C-Eval from lm-eval's installed YAMLs.

lm-eval defines each family as one template YAML plus one small YAML per subject (dataset_name,
description, tag); this script merges them the way lm-eval's `include:` does and writes one
task file per subject under tasks/mmlu/, tasks/cmmlu/ and tasks/ceval/, so each of our built-in
subject tasks is lm-eval's definition under the same name; lm-eval's group YAMLs (mmlu and its
four categories, cmmlu, ceval-valid) become group files (_NAME.json) beside them. Rerun after changing the lm-eval pin:
    .venv/bin/python tasks/make_subject_tasks.py
A rerun writes identical files.
"""
import json
from pathlib import Path

import lm_eval
import yaml

here = Path(__file__).resolve().parent
lm_tasks = Path(lm_eval.__file__).parent / "tasks"

# lm-eval YAML keys -> ours are the same names; these are dropped as they change no number.
INERT = {"include", "should_decontaminate", "doc_to_decontamination_query"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def merged(subject_yaml):
    cfg = load(subject_yaml)
    base = load(subject_yaml.parent / cfg["include"])
    out = {**base, **cfg}
    for key in INERT:
        out.pop(key, None)
    return out


GROUP_KEYS = ["group", "group_alias", "task", "aggregate_metric_list", "metadata"]


def write_groups(folder, source, names):
    for name in names:
        cfg = load(source / f"_{name}.yaml")
        ordered = {k: cfg[k] for k in GROUP_KEYS if k in cfg}
        text = json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
        (folder / f"_{name}.json").write_text(text, encoding="utf-8")
    print(f"{folder.name}: {len(names)} group files")


def write(folder, pattern, source):
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    count = 0
    for subject_yaml in sorted(source.glob(pattern)):
        cfg = merged(subject_yaml)
        order = ["task", "task_alias", "tag", "dataset_path", "dataset_name"]
        ordered = {k: cfg[k] for k in order if k in cfg}
        ordered.update({k: v for k, v in cfg.items() if k not in ordered})
        text = json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
        (folder / f"{cfg['task']}.json").write_text(text, encoding="utf-8")
        count += 1
    print(f"{folder.name}: {count} task files")


if __name__ == "__main__":
    write(here / "mmlu", "mmlu_*.yaml", lm_tasks / "mmlu" / "default")
    write(here / "cmmlu", "cmmlu_*.yaml", lm_tasks / "cmmlu")
    write(here / "ceval", "ceval-valid_*.yaml", lm_tasks / "ceval")
    write_groups(here / "mmlu", lm_tasks / "mmlu" / "default",
                 ["mmlu", "mmlu_stem", "mmlu_other", "mmlu_social_sciences", "mmlu_humanities"])
    write_groups(here / "cmmlu", lm_tasks / "cmmlu", ["cmmlu"])
    write_groups(here / "ceval", lm_tasks / "ceval", ["ceval-valid"])
