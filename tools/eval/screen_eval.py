#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Screening quality of `tabayyun screen` on whole registries and lists.

Two modes (one or both per run):

  --gen-seed N   a synthetic population from tools/gen/gen_population.py: recall of the true
                 pairs at the default threshold, average precision, review load, alerts by
                 grade, each split by the script of the registry record (targets: recall
                 >= 99 %, AP >= 0.95)
  --shared DIR   the external data: the UN individuals as the list, synthetic people who are on
                 no list plus the UN entries with injected typos (labelled pairs) as the
                 registry: share of those entries found, false alerts per 1,000 people screened
                 (targets: >= 99 % found, <= 0.5 false alerts per 1,000 at 99 % recall)

The binary is run with `--threshold 0` (every scored candidate: ranking figures) and once more
with its defaults (what it alerts on: the figures "at default"), or with its
default threshold if it rejects 0; the thresholds are then swept here. An alert passes a
threshold t when score >= t. Everything is derived from the files given, so the same command
runs on the held-back split. Python 3 standard library only. See tools/eval/README.md.
"""

import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "gen"))

from run_eval import fmt, pct, read_tsv  # noqa: E402

DEFAULT_SHARED = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "eval"))
DEFAULT_OUT = os.path.join(REPO_ROOT, "out", "screen_eval")
DEFAULT_THRESHOLD = 0.5
RECALL_TARGET = 0.99
AP_TARGET = 0.95
FALSE_PER_1000_TARGET = 0.5
TREATED_SOURCE = "yente_un_treated_vs_untreated"
RECORD_HEADER = ["id", "name", "aliases", "weak_aliases", "birth_date", "sex", "birth_place",
                 "nationality"]
WORST_N = 50  # rows per file of missed pairs and top false alerts


# ------------------------------------------------------------------------ metrics


def recall_at(true_pairs, alerts, t):
    """Share of true pairs with an alert scoring >= t (nan without true pairs)."""
    if not true_pairs:
        return float("nan")
    hits = sum(1 for p in true_pairs if p in alerts and alerts[p] >= t)
    return hits / len(true_pairs)


def average_precision(alerts, true_pairs):
    """Average precision of the alerts ranked by score: the mean, over ALL true pairs, of the
    precision at the rank where each is found (a true pair without an alert contributes 0).
    Tied scores form one rank (sum over score levels of recall gain x precision at that
    level), so the order of tied alerts does not matter."""
    if not true_pairs:
        return float("nan")
    by_score = defaultdict(lambda: [0, 0])  # score -> [true, all]
    for pair, s in alerts.items():
        by_score[s][1] += 1
        if pair in true_pairs:
            by_score[s][0] += 1
    ap, tp, n = 0.0, 0, 0
    for s in sorted(by_score, reverse=True):
        t_here, n_here = by_score[s]
        tp += t_here
        n += n_here
        if t_here:
            ap += (t_here / len(true_pairs)) * (tp / n)
    return ap


def review_load(alerts, true_pairs, t):
    """Alerts with score >= t per true pair among them (inf when none is true)."""
    n = sum(1 for s in alerts.values() if s >= t)
    hits = sum(1 for p, s in alerts.items() if s >= t and p in true_pairs)
    return n / hits if hits else (float("inf") if n else float("nan"))


def threshold_for_recall(alerts, true_pairs, target=RECALL_TARGET):
    """The highest t with recall_at(t) >= target: the k-th highest score among true pairs,
    k = ceil(target x #true). None when fewer than k true pairs have an alert at all."""
    if not true_pairs:
        return None
    k = int(math.ceil(target * len(true_pairs) - 1e-9))
    scores = sorted((alerts[p] for p in true_pairs if p in alerts), reverse=True)
    if k == 0:
        return float("inf")
    if len(scores) < k:
        return None
    return scores[k - 1]


def count_at(alerts, t, keep=lambda pair: True):
    return sum(1 for p, s in alerts.items() if s >= t and keep(p))


# ------------------------------------------------------------------------- inputs

ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                 (0xFE70, 0xFEFF))


def script_of(text):
    """arabic, latin, mixed (both) or other (neither, or another script only)."""
    ar = la = False
    for c in text:
        o = ord(c)
        if any(lo <= o <= hi for lo, hi in ARABIC_RANGES):
            ar = True
        elif c.isalpha() and (o < 0x250 or 0x1E00 <= o <= 0x1EFF):
            la = True
    return "mixed" if ar and la else "arabic" if ar else "latin" if la else "other"


def read_record_scripts(path):
    """id -> script of the record's name (the parts when the name is empty)."""
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row.get("name") or " ".join(
                row.get(k) or "" for k in ("given", "father", "grandfather", "family"))
            out[row["id"]] = script_of(name)
    return out


def read_names(path, wanted):
    """id -> displayed name for the ids in `wanted` (for the example files)."""
    out = {}
    if not wanted:
        return out
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["id"] in wanted:
                name = row.get("name") or " ".join(
                    row.get(k) or "" for k in ("given", "father", "grandfather", "family"))
                out[row["id"]] = " ".join(name.split())
    return out


def read_truth(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return {(r["record_id"], r["list_id"]) for r in csv.DictReader(fh)}


class AlertError(Exception):
    pass


def read_alerts(path):
    """(record_id, list_id) -> best score, plus grade per pair and counts of odd rows."""
    alerts, grades, info = {}, {}, Counter()
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("record_id", "list_id", "score") if c not in (reader.fieldnames or [])]
        if missing:
            raise AlertError(f"{path}: missing column(s) {', '.join(missing)}")
        for row in reader:
            info["rows"] += 1
            try:
                s = float(row["score"])
            except (TypeError, ValueError):
                s = math.nan
            if math.isnan(s):
                info["bad_score"] += 1
                continue
            if not 0.0 <= s <= 1.0:
                info["out_of_range_clamped"] += 1
                s = min(1.0, max(0.0, s))
            pair = (row["record_id"], row["list_id"])
            if pair in alerts:
                info["duplicate_pairs"] += 1
                if s <= alerts[pair]:
                    continue
            alerts[pair] = s
            grades[pair] = (row.get("grade") or "").strip() or "(none)"
    return alerts, grades, dict(info)


# -------------------------------------------------------------------- the binary


def default_threshold(binary, given):
    """--threshold-default when given, else a number after "default threshold" in
    `screen --help`, else 0.5. Returns (value, where it came from)."""
    if given is not None:
        return given, "--threshold-default"
    try:
        proc = subprocess.run([binary, "screen", "--help"], capture_output=True, timeout=60)
        text = (proc.stdout + proc.stderr).decode("utf-8", errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        text = ""
    for pat in (r"default threshold\D{0,20}?([01](?:\.\d+)?|\.\d+)",
                r"--threshold\b[^\n]*?default\D{0,5}([01](?:\.\d+)?|\.\d+)"):
        m = re.search(pat, text, re.IGNORECASE)
        if m:
            return float(m.group(1)), "`screen --help`"
    return DEFAULT_THRESHOLD, "built-in default"


def run_screen(binary, list_path, input_path, out_path, threads):
    """Runs the screen, with --threshold 0 first. Returns a dict describing the run."""
    base = [binary, "screen", "--list", list_path, "--input", input_path, "--out", out_path]
    if threads:
        base += ["--threads", str(threads)]
    meta = {}
    for attempt, extra in enumerate((["--threshold", "0"], [])):
        if os.path.exists(out_path):
            os.remove(out_path)
        t0 = time.monotonic()
        try:
            proc = subprocess.run(base + extra, capture_output=True)
        except OSError as e:
            raise SystemExit(f"error: cannot run {binary}: {e}")
        meta = {
            "command": " ".join(base + extra),
            "exit": proc.returncode,
            "seconds": round(time.monotonic() - t0, 2),
            "threshold_0": bool(extra),
            "stderr_head": proc.stderr.decode("utf-8", errors="replace").strip().splitlines()[:5],
        }
        if proc.returncode == 0:
            return meta
        if attempt == 0:
            meta0 = meta
    if os.path.exists(out_path):
        meta["warning"] = f"exit {meta['exit']}; using the alerts it wrote"
        return meta
    raise SystemExit(
        f"error: `{meta0['command']}` exited {meta0['exit']} and `{meta['command']}` exited "
        f"{meta['exit']}: {' | '.join(meta['stderr_head'])}")


def run_default(binary, list_path, input_path, out_path, threads):
    """Runs the screen with its default settings and returns the set of pairs it alerts.

    The binary decides what is an alert (besides the score reaching the threshold, it may
    alert on names that agree in full with nothing contradicting them), so the figures "at
    default" come from this run, not from applying the threshold to a --threshold 0 run."""
    cmd = [binary, "screen", "--list", list_path, "--input", input_path, "--out", out_path]
    if threads:
        cmd += ["--threads", str(threads)]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0 or not os.path.exists(out_path):
        return None
    pairs, _, _ = read_alerts(out_path)
    return set(pairs)


def decided(raw, default_pairs, t_def):
    """Scores that reproduce the binary's own decision at its default threshold: pairs it
    alerted on are lifted to at least t_def, the others kept below it. Ranking figures (AP,
    the threshold for 99 % recall) use the raw scores."""
    if default_pairs is None:
        return dict(raw)
    below = t_def * (1 - 1e-9)
    out = {p: (max(s, t_def) if p in default_pairs else min(s, below)) for p, s in raw.items()}
    for p in default_pairs:
        out.setdefault(p, t_def)
    return out


# ---------------------------------------------------------------- report helpers


class Report:
    def __init__(self):
        self.lines = []

    def out(self, text=""):
        self.lines.append(text)

    def row(self, label, *values):
        self.out(f"  {label:<52}" + "".join(f"{v:>14}" for v in values))

    def text(self):
        return "\n".join(self.lines) + "\n"


def ratio(x):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else \
        ("inf" if math.isinf(x) else f"{x:.2f}")


def write_examples(path, title_rows, reg_names, list_names):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for title, rows in title_rows:
            fh.write(f"# {title}\n")
            fh.write("score\tgrade\trecord_id\tlist_id\tnote\trecord_name\tlist_name\n")
            for score, grade, rid, lid, note in rows:
                fh.write(f"{score}\t{grade}\t{rid}\t{lid}\t{note}\t{reg_names.get(rid, '')}\t"
                         f"{list_names.get(lid, '')}\n")
            fh.write("\n")


def run_note(rep, meta, threshold, source):
    rep.out(f"  ran: {meta['command']}  ({meta['seconds']} s, exit {meta['exit']})")
    if not meta["threshold_0"]:
        rep.out("  NOTE: --threshold 0 was rejected; only alerts above the binary's default "
                "threshold were written, so AP and any threshold below it are partial")
    if meta.get("warning"):
        rep.out(f"  WARNING: {meta['warning']}")
    for line in meta["stderr_head"]:
        rep.out(f"  stderr: {line}")
    rep.out(f"  default threshold {threshold:g} (from {source}); an alert passes when "
            f"score >= threshold")


# ------------------------------------------------------------------- (a) generated


def eval_generated(args, binary, rep, report):
    import gen_population

    gdir = os.path.join(args.out, f"gen_seed{args.gen_seed}")
    summary = gen_population.generate(args.gen_seed, args.registry, args.list, gdir, quiet=True)
    reg, lst = os.path.join(gdir, "registry.csv"), os.path.join(gdir, "list.csv")
    alerts_path = os.path.join(gdir, "alerts.csv")
    t_def, t_src = default_threshold(binary, args.threshold_default)
    meta = run_screen(binary, lst, reg, alerts_path, args.threads)
    raw, grades, ainfo = read_alerts(alerts_path)
    default_pairs = run_default(binary, lst, reg, os.path.join(gdir, "alerts_default.csv"),
                                args.threads)
    alerts = decided(raw, default_pairs, t_def)
    truth = read_truth(os.path.join(gdir, "truth.csv"))
    scripts = read_record_scripts(reg)
    kinds, changes = {}, {}
    meta_path = os.path.join(gdir, "list_meta.csv")
    with open(meta_path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            kinds[r["list_id"]] = r["kind"]
            changes[r["list_id"]] = r["changes"].split("+") if r["changes"] else ["(none)"]

    rep.out("")
    rep.out(f"(a) generated population: seed {args.gen_seed}, {args.registry} registry records, "
            f"{args.list} list entries, {len(truth)} true pairs")
    rep.out("  " + ", ".join(f"{k}={summary[k]}" for k in
                             ("registry_persons", "reregistrations", "namesake_triples",
                              "arabic_script_share", "muhammad_share_of_men")))
    run_note(rep, meta, t_def, t_src)
    rep.out(f"  alert rows read: {ainfo.get('rows', 0)}"
            + "".join(f", {k}={v}" for k, v in ainfo.items() if k != "rows"))

    def figures(keep_record):
        T = {p for p in truth if keep_record(p[0])}
        A = {p: s for p, s in alerts.items() if keep_record(p[0])}
        R = {p: s for p, s in raw.items() if keep_record(p[0])}
        n_at = count_at(A, t_def)
        hits = sum(1 for p in T if p in A and A[p] >= t_def)
        t99 = threshold_for_recall(R, T)
        return {
            "records": sum(1 for r in scripts if keep_record(r)),
            "true_pairs": len(T),
            "recall_at_default": recall_at(T, A, t_def),
            "average_precision": average_precision(R, T),
            "alerts_at_default": n_at,
            "true_alerts_at_default": hits,
            "review_load": review_load(A, T, t_def),
            "false_alerts_per_1000_records": 1000 * (n_at - hits) / max(1, sum(
                1 for r in scripts if keep_record(r))),
            "threshold_for_99pct_recall": t99,
            "alerts_at_t99": count_at(R, t99) if t99 is not None else None,
            "grades_at_default": dict(Counter(grades[p] for p, s in A.items() if s >= t_def)),
            "true_grades_at_default": dict(Counter(grades[p] for p in T
                                                   if p in A and A[p] >= t_def)),
        }

    groups = [("all", lambda r: True)]
    for s in ("arabic", "latin", "mixed", "other"):
        if any(v == s for v in scripts.values()):
            groups.append((f"script={s}", lambda r, s=s: scripts.get(r) == s))
    figs = {name: figures(keep) for name, keep in groups}
    names = [g for g, _ in groups]
    rep.row("registry records (by script of the record's name)", *names)
    rep.row("", *[figs[n]["records"] for n in names])
    rep.row("true pairs", *[figs[n]["true_pairs"] for n in names])
    rep.row(f"recall at default (target >= {RECALL_TARGET:.0%})",
            *[pct(figs[n]["recall_at_default"]) for n in names])
    rep.row(f"average precision (target >= {AP_TARGET:.2f})",
            *[fmt(figs[n]["average_precision"]) for n in names])
    rep.row("alerts at default", *[figs[n]["alerts_at_default"] for n in names])
    rep.row("review load (alerts per true hit)", *[ratio(figs[n]["review_load"]) for n in names])
    rep.row("false alerts per 1,000 records", *[fmt(figs[n]["false_alerts_per_1000_records"], 2)
                                                for n in names])
    rep.row("threshold for 99% recall", *[fmt(figs[n]["threshold_for_99pct_recall"])
                                          for n in names])
    all_grades = sorted({g for n in names for g in figs[n]["grades_at_default"]})
    for g in all_grades:
        rep.row(f"alerts at default, grade {g} (true)", *[
            f"{figs[n]['grades_at_default'].get(g, 0)} ({figs[n]['true_grades_at_default'].get(g, 0)})"
            for n in names])

    # recall by how the list entry was rewritten, false alerts by kind of list entry
    by_change = defaultdict(lambda: [0, 0])
    for p in truth:
        for c in changes.get(p[1], ["(unknown)"]):
            by_change[c][0] += 1
            by_change[c][1] += p in alerts and alerts[p] >= t_def
    rep.out("  recall at default by rewrite of the list entry (an entry can have several):")
    for c in sorted(by_change, key=lambda c: -by_change[c][0]):
        n, h = by_change[c]
        rep.row(f"  {c} (n={n})", pct(h / n))
    false_by_kind = Counter(kinds.get(p[1], "(unknown)") for p, s in alerts.items()
                            if s >= t_def and p not in truth)
    rep.out("  false alerts at default by kind of list entry (true = the entry of another "
            "person's record):")
    for k, v in false_by_kind.most_common():
        rep.row(f"  {k}", v)

    missed = sorted(((alerts.get(p), p) for p in truth if not (p in alerts and alerts[p] >= t_def)),
                    key=lambda x: -1 if x[0] is None else x[0])
    false_top = sorted(((s, p) for p, s in alerts.items() if s >= t_def and p not in truth),
                       key=lambda x: -x[0])[:WORST_N]
    wanted_r = {p[0] for _, p in missed[:WORST_N]} | {p[0] for _, p in false_top}
    wanted_l = {p[1] for _, p in missed[:WORST_N]} | {p[1] for _, p in false_top}
    write_examples(
        os.path.join(args.out, "gen_examples.tsv"),
        [(f"missed true pairs at threshold {t_def:g} (no alert = empty score), "
          f"{len(missed)} in all, first {WORST_N}",
          [("" if s is None else f"{s:.4f}", grades.get(p, ""), p[0], p[1],
            "+".join(changes.get(p[1], []))) for s, p in missed[:WORST_N]]),
         (f"highest-scoring false alerts, first {WORST_N}",
          [(f"{s:.4f}", grades.get(p, ""), p[0], p[1], kinds.get(p[1], ""))
           for s, p in false_top])],
        read_names(reg, wanted_r), read_names(lst, wanted_l))
    report["generated"] = {"generator": summary, "run": meta, "alerts": ainfo,
                           "default_threshold": t_def, "figures": figs,
                           "recall_by_change": {c: {"n": v[0], "found": v[1]}
                                                for c, v in by_change.items()},
                           "false_alerts_by_kind": dict(false_by_kind)}
    ok = figs["all"]["recall_at_default"] >= RECALL_TARGET and \
        figs["all"]["average_precision"] >= AP_TARGET
    rep.out(f"  targets met: {'yes' if ok else 'no'}")


# ---------------------------------------------------------------------- (b) shared

DOB_FORMS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), lambda m: f"{m[1]}-{int(m[2]):02d}"),
    (re.compile(r"^(\d{4})$"), lambda m: m[1]),
    (re.compile(r"^~(\d{4})$"), lambda m: f"~{m[1]}"),
    (re.compile(r"^(\d{4})\.\.(\d{4})$"), lambda m: f"{m[1]}..{m[2]}"),
]


def convert_dob(text, counter=None):
    """The files' birth dates in record format: `|`-separated values become `;`-separated,
    months and days zero-padded; a value of no known form is dropped (and counted)."""
    out = []
    for v in text.split("|"):
        v = v.strip()
        if not v:
            continue
        for rx, fn in DOB_FORMS:
            m = rx.match(v)
            if m:
                v = fn(m)
                if v not in out:
                    out.append(v)
                break
        else:
            if counter is not None:
                counter["dob_dropped"] += 1
    return ";".join(out)


def split_aliases(text):
    """`|`-separated aliases; `;` inside a cell also separates (it is the record format's
    alias separator), and `NAME (A; B)` gives NAME, A and B."""
    out = []
    for cell in text.split("|"):
        cell = cell.strip()
        m = re.match(r"^(.*?)\s*\((.*)\)\s*$", cell)
        pieces = [m[1]] + m[2].split(";") if m else cell.split(";")
        for p in pieces:
            p = " ".join(p.split())
            if p and p not in out:
                out.append(p)
    return out


def sex_of(text):
    return {"male": "m", "female": "f", "m": "m", "f": "f"}.get(text.strip().lower(), "")


def name_key(text):
    return " ".join(text.casefold().split())


def parse_notes(text):
    """`nationality=af; pob=...` -> dict (pob, the last key, may itself hold `;`)."""
    out = {}
    m = re.search(r"(?:^|;\s*)nationality=([^;]*)", text)
    if m:
        out["nationality"] = m[1].strip()
    m = re.search(r"(?:^|;\s*)pob=(.*)$", text)
    if m:
        out["pob"] = m[1].strip()
    return out


def detect_treated(rows):
    """Which column of a treated/untreated pair holds the treated name (and date): the one
    that is NOT one of the linked entry's own names (dates) more often. Returns
    ({'name': '1' or '2', 'dob': ...}, counts)."""
    c = Counter()
    for r, e in rows:
        names = {name_key(x) for x in [e["name_latin_primary"]] + split_aliases(e["aliases_good"])
                 + split_aliases(e["aliases_low"]) + split_aliases(e["name_original_script"])}
        dobs = set(convert_dob(e["dob"]).split(";"))
        c["name1_is_entry_name"] += name_key(r["name1"]) in names
        c["name2_is_entry_name"] += name_key(r["name2"]) in names
        c["dob1_is_entry_dob"] += convert_dob(r["dob1"]) in dobs
        c["dob2_is_entry_dob"] += convert_dob(r["dob2"]) in dobs
    which = {
        "name": "1" if c["name2_is_entry_name"] >= c["name1_is_entry_name"] else "2",
        "dob": "1" if c["dob2_is_entry_dob"] >= c["dob1_is_entry_dob"] else "2",
    }
    return which, dict(c)


def build_shared(files, out_dir, treated_source):
    """Writes list.csv, registry.csv and truth.csv; returns info and per-record groups."""
    os.makedirs(out_dir, exist_ok=True)
    counts = Counter()
    un = read_tsv(files["un"], ["dataid", "un_ref", "name_latin_primary", "name_original_script",
                                "aliases_good", "aliases_low", "gender", "dob", "pob",
                                "nationality"])
    by_key, list_rows = {}, []
    for e in un:
        lid = e["un_ref"].strip() or e["dataid"].strip()
        aliases = split_aliases(e["aliases_good"]) + split_aliases(e["name_original_script"])
        name = " ".join(e["name_latin_primary"].split()) or (aliases.pop(0) if aliases else "")
        if not name:
            counts["un_without_name"] += 1
            continue
        aliases = [a for a in aliases if a != name]
        list_rows.append([lid, name, ";".join(aliases), ";".join(split_aliases(e["aliases_low"])),
                          convert_dob(e["dob"], counts), sex_of(e["gender"]),
                          e["pob"].split("|")[0].strip(),
                          ";".join(x.strip() for x in e["nationality"].split("|") if x.strip())])
        for k in (e["dataid"].strip(), e["un_ref"].strip()):
            if k:
                by_key[k] = (lid, e)

    pairs = read_tsv(files["pairs"], ["source", "pair_id", "linked_entity_key", "name1", "name2",
                                      "dob1", "dob2"])
    linked = []
    for r in pairs:
        if r["source"] != treated_source:
            continue
        key = r["linked_entity_key"].strip()
        key = key.split(":", 1)[1] if ":" in key else key
        if not key:
            counts["treated_unlinked"] += 1
        elif key not in by_key:
            counts["treated_link_not_in_list"] += 1
        else:
            linked.append((r, by_key[key][1]))
    which, evidence = detect_treated(linked)

    truth, groups = set(), {}
    with open(os.path.join(out_dir, "registry.csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(RECORD_HEADER)
        for n, (r, e) in enumerate(linked):
            rid = r["pair_id"].strip() or f"treated-{n + 1}"
            notes = parse_notes(r.get("notes", ""))
            nat = notes.get("nationality", "")
            w.writerow([rid, " ".join(r["name" + which["name"]].split()), "", "",
                        convert_dob(r["dob" + which["dob"]], counts), "", notes.get("pob", ""),
                        nat.upper() if len(nat) == 2 else nat])
            lid = e["un_ref"].strip() or e["dataid"].strip()
            truth.add((rid, lid))
            groups[rid] = "treated:" + (r.get("category", "") or "?").split(":")[-1]
        neg = read_tsv(files["negatives"], ["row", "full_name", "gender", "dob", "pob",
                                            "nationality"])
        for r in neg:
            name = " ".join(r["full_name"].split())
            if not name:
                counts["negative_without_name"] += 1
                continue
            rid = "neg-" + r["row"].strip()
            w.writerow([rid, name, "", "", convert_dob(r["dob"], counts), sex_of(r["gender"]),
                        r["pob"].strip(), r["nationality"].strip()])
            groups[rid] = "synthetic"
    with open(os.path.join(out_dir, "list.csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(RECORD_HEADER)
        w.writerows(list_rows)
    with open(os.path.join(out_dir, "truth.csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["record_id", "list_id"])
        w.writerows(sorted(truth))
    info = {"list_entries": len(list_rows), "treated_records": len(linked),
            "synthetic_records": sum(1 for g in groups.values() if g == "synthetic"),
            "treated_column": which, "treated_evidence": evidence, **counts}
    return info, truth, groups


def eval_shared(args, binary, rep, report):
    files = {"un": args.un or os.path.join(args.shared, "un_sc_individuals.tsv"),
             "pairs": args.pairs or os.path.join(args.shared, "labeled_pairs.tsv"),
             "negatives": args.negatives or os.path.join(args.shared,
                                                         "synthetic_negative_persons.tsv")}
    sdir = os.path.join(args.out, "shared")
    info, truth, groups = build_shared(files, sdir, args.treated_source)
    t_def, t_src = default_threshold(binary, args.threshold_default)
    alerts_path = os.path.join(sdir, "alerts.csv")
    meta = run_screen(binary, os.path.join(sdir, "list.csv"), os.path.join(sdir, "registry.csv"),
                      alerts_path, args.threads)
    raw, grades, ainfo = read_alerts(alerts_path)
    default_pairs = run_default(binary, os.path.join(sdir, "list.csv"),
                                os.path.join(sdir, "registry.csv"),
                                os.path.join(sdir, "alerts_default.csv"), args.threads)
    alerts = decided(raw, default_pairs, t_def)
    n_syn = info["synthetic_records"]

    def is_syn(p):
        return groups.get(p[0]) == "synthetic"

    false_syn = count_at(alerts, t_def, is_syn)
    wrong_entry = count_at(alerts, t_def, lambda p: not is_syn(p) and p not in truth)
    t99 = threshold_for_recall(raw, truth)
    figs = {
        "found_at_default": recall_at(truth, alerts, t_def),
        "average_precision": average_precision(raw, truth),
        "false_alerts_synthetic_at_default": false_syn,
        "false_alerts_per_1000_at_default": 1000 * false_syn / n_syn if n_syn else float("nan"),
        "treated_alerts_to_wrong_entry_at_default": wrong_entry,
        "threshold_for_99pct_recall": t99,
        "false_alerts_per_1000_at_t99": (1000 * count_at(raw, t99, is_syn) / n_syn
                                         if t99 is not None and n_syn else None),
        "grades_at_default": dict(Counter(grades[p] for p, s in alerts.items() if s >= t_def)),
    }
    by_group = {}
    for g in sorted({groups[p[0]] for p in truth}):
        T = {p for p in truth if groups[p[0]] == g}
        by_group[g] = {"n": len(T), "found_at_default": recall_at(T, alerts, t_def)}
    figs["found_by_treatment"] = by_group

    rep.out("")
    rep.out(f"(b) external data: {args.shared}")
    rep.out(f"  list: {info['list_entries']} UN entries; registry: {info['treated_records']} "
            f"treated UN entries + {n_syn} synthetic people on no list")
    rep.out(f"  treated column: name{info['treated_column']['name']}, "
            f"dob{info['treated_column']['dob']} (evidence {info['treated_evidence']})")
    skipped = {k: v for k, v in info.items() if k in ("treated_unlinked", "treated_link_not_in_list",
                                                      "dob_dropped", "un_without_name",
                                                      "negative_without_name")}
    if skipped:
        rep.out(f"  skipped: {skipped}")
    run_note(rep, meta, t_def, t_src)
    rep.out(f"  alert rows read: {ainfo.get('rows', 0)}"
            + "".join(f", {k}={v}" for k, v in ainfo.items() if k != "rows"))
    rep.row(f"treated entries found at default (target >= {RECALL_TARGET:.0%})",
            pct(figs["found_at_default"]))
    for g, d in by_group.items():
        rep.row(f"  {g} (n={d['n']})", pct(d["found_at_default"]))
    rep.row("average precision", fmt(figs["average_precision"]))
    rep.row(f"false alerts per 1,000 synthetic (target <= {FALSE_PER_1000_TARGET})",
            fmt(figs["false_alerts_per_1000_at_default"], 3))
    rep.row("  false alerts on synthetic people", false_syn)
    rep.row("  treated entries alerting on another UN entry", wrong_entry)
    rep.row("threshold for 99% recall", fmt(t99) if t99 is not None else "not reached")
    rep.row("false alerts per 1,000 synthetic at that threshold",
            fmt(figs["false_alerts_per_1000_at_t99"], 3))
    for g, v in sorted(figs["grades_at_default"].items()):
        rep.row(f"alerts at default, grade {g}", v)

    missed = sorted(((alerts.get(p), p) for p in truth if not (p in alerts and alerts[p] >= t_def)),
                    key=lambda x: -1 if x[0] is None else x[0])
    false_top = sorted(((s, p) for p, s in alerts.items() if s >= t_def and p not in truth),
                       key=lambda x: -x[0])[:WORST_N]
    reg, lst = os.path.join(sdir, "registry.csv"), os.path.join(sdir, "list.csv")
    write_examples(
        os.path.join(args.out, "shared_examples.tsv"),
        [(f"missed treated entries at threshold {t_def:g}, {len(missed)} in all",
          [("" if s is None else f"{s:.4f}", grades.get(p, ""), p[0], p[1], groups.get(p[0], ""))
           for s, p in missed]),
         (f"highest-scoring false alerts, first {WORST_N}",
          [(f"{s:.4f}", grades.get(p, ""), p[0], p[1], groups.get(p[0], ""))
           for s, p in false_top])],
        read_names(reg, {p[0] for _, p in missed} | {p[0] for _, p in false_top}),
        read_names(lst, {p[1] for _, p in missed} | {p[1] for _, p in false_top}))
    report["shared"] = {"files": files, "info": info, "run": meta, "alerts": ainfo,
                        "default_threshold": t_def, "figures": figs}
    ok = figs["found_at_default"] >= RECALL_TARGET and \
        figs["false_alerts_per_1000_at_default"] <= FALSE_PER_1000_TARGET
    rep.out(f"  targets met: {'yes' if ok else 'no'}")


# ---------------------------------------------------------------------- self-test

# A stand-in for `tabayyun screen`: rejects --threshold 0 (exit 1) when REJECT0 is set;
# otherwise alerts when the case-folded names share a token: score = shared / max tokens,
# grade probable above 0.7. Honors --threshold (default 0.5).
_FAKE_SCREEN = r'''
import csv, sys
REJECT0 = MODE
a = sys.argv[2:]
if "--help" in a:
    print("usage: screen ... (default threshold 0.4)"); sys.exit(0)
opt = {a[i]: a[i + 1] for i in range(0, len(a) - 1, 2)}
t = float(opt.get("--threshold", "0.5"))
if REJECT0 and t == 0:
    print("threshold must be > 0", file=sys.stderr); sys.exit(1)
lst = list(csv.DictReader(open(opt["--list"], encoding="utf-8")))
reg = list(csv.DictReader(open(opt["--input"], encoding="utf-8")))
with open(opt["--out"], "w", encoding="utf-8", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["record_id", "list_id", "score", "grade", "matched_name", "explanation"])
    for r in reg:
        rt = set(r["name"].casefold().split())
        for e in lst:
            et = set(e["name"].casefold().split())
            s = len(rt & et) / max(len(rt), len(et), 1)
            if s > 0 and s >= t:
                w.writerow([r["id"], e["id"], "%.4f" % s, "probable" if s > 0.7 else
                            "identifier_check", e["name"], "toy"])
'''


def self_test():
    checks = []

    def check(name, ok):
        checks.append((name, bool(ok)))

    def close(a, b, eps=1e-9):
        return a is not None and abs(a - b) <= eps

    T = {("r1", "l1"), ("r2", "l2"), ("r3", "l3")}
    A = {("r1", "l1"): 0.9, ("r9", "l1"): 0.8, ("r2", "l2"): 0.7, ("r8", "l8"): 0.2}
    check("AP: missing true pair contributes 0", close(average_precision(A, T), (1 + 2 / 3) / 3))
    check("AP: perfect ranking", close(average_precision({("a", "b"): 0.5}, {("a", "b")}), 1.0))
    check("AP: ties form one rank",
          close(average_precision({("a", "b"): 0.5, ("c", "d"): 0.5}, {("a", "b")}), 0.5))
    check("AP: true pair ranked last", close(
        average_precision({("x", "y"): 0.9, ("x", "z"): 0.8, ("a", "b"): 0.1}, {("a", "b")}), 1 / 3))
    check("recall at threshold (>=)", close(recall_at(T, A, 0.7), 2 / 3)
          and close(recall_at(T, A, 0.71), 1 / 3))
    check("review load", close(review_load(A, T, 0.5), 3 / 2) and close(review_load(A, T, 0.1), 2.0))
    check("review load without hits is inf", math.isinf(review_load({("a", "b"): 1.0}, T, 0.5)))
    check("threshold for recall: k-th true score",
          threshold_for_recall({("r1", "l1"): 0.9, ("r2", "l2"): 0.4, ("r3", "l3"): 0.6}, T,
                               0.6) == 0.6)
    check("threshold for recall: not reachable", threshold_for_recall(A, T, 0.99) is None)
    check("false alerts counted at >= t", count_at(A, 0.8, lambda p: p not in T) == 1)
    # converters
    check("dob forms", convert_dob("1963-04-11|1971|~1957|1975..1979|1969-7-6|1971")
          == "1963-04-11;1971;~1957;1975..1979;1969-07-06")
    c = Counter()
    check("dob junk dropped and counted", convert_dob("circa 1960|1960", c) == "1960"
          and c["dob_dropped"] == 1)
    check("aliases split on | and ;, parenthesised forms",
          split_aliases("حسن غول (Hassan Ghul; Hasan Gul)|A B; C D|") ==
          ["حسن غول", "Hassan Ghul", "Hasan Gul", "A B", "C D"])
    check("notes", parse_notes("nationality=iq; pob=Mosul; Iraq") ==
          {"nationality": "iq", "pob": "Mosul; Iraq"})
    check("script of a name", script_of("محمد Ali") == "mixed" and script_of("Ḥasan") == "latin"
          and script_of("حسن") == "arabic" and script_of("王伟") == "other")
    e = {"name_latin_primary": "ALI HASAN", "aliases_good": "", "aliases_low": "",
         "name_original_script": "", "dob": "1970"}
    rows = [({"name1": "ALI HASSAN", "name2": "ALI HASAN", "dob1": "1971", "dob2": "1970"}, e),
            ({"name1": "ALI HASAN", "name2": "ALI HASAN", "dob1": "1970", "dob2": "1970"}, e)]
    which, _ = detect_treated(rows)
    check("treated column detected", which == {"name": "1", "dob": "1"})
    swapped = [({"name1": r["name2"], "name2": r["name1"], "dob1": r["dob2"], "dob2": r["dob1"]},
                x) for r, x in rows]
    check("treated column detected when swapped", detect_treated(swapped)[0] ==
          {"name": "2", "dob": "2"})

    with tempfile.TemporaryDirectory() as tmp:
        import gen_population
        s1 = gen_population.generate(5, 600, 80, os.path.join(tmp, "g1"), quiet=True)
        gen_population.generate(5, 600, 80, os.path.join(tmp, "g2"), quiet=True)
        same = all(open(os.path.join(tmp, "g1", f), "rb").read() ==
                   open(os.path.join(tmp, "g2", f), "rb").read()
                   for f in ("registry.csv", "list.csv", "truth.csv", "list_meta.csv"))
        check("generator is deterministic", same)
        scripts = read_record_scripts(os.path.join(tmp, "g1", "registry.csv"))
        with open(os.path.join(tmp, "g1", "list.csv"), encoding="utf-8") as fh:
            lids = {r["id"] for r in csv.DictReader(fh)}
        truth = read_truth(os.path.join(tmp, "g1", "truth.csv"))
        check("generator truth refers to existing ids",
              truth and all(r in scripts and l in lids for r, l in truth))
        check("generator sizes", len(scripts) == 600 and len(lids) == 80)
        check("generator writes both scripts and namesakes",
              {"arabic", "latin"} <= set(scripts.values()) and s1["namesake_triples"] > 0)
        with open(os.path.join(tmp, "g1", "registry.csv"), encoding="utf-8") as fh:
            header = fh.readline().strip().split(",")
        check("generator header is record format", header[:2] == ["id", "name"]
              and "birth_date" in header and "documents" in header)

        # end to end with a fake binary, once accepting and once rejecting --threshold 0
        d = os.path.join(tmp, "e2e")
        os.makedirs(d)
        with open(os.path.join(d, "list.csv"), "w", encoding="utf-8") as fh:
            fh.write("id,name\nL1,ali hasan omar\nL2,zaid khalid\n")
        with open(os.path.join(d, "reg.csv"), "w", encoding="utf-8") as fh:
            fh.write("id,name\nR1,Ali Hasan Omar\nR2,Ali Hasan\nR3,Zaid Nabil\n")
        for mode in ("False", "True"):
            fake = os.path.join(tmp, f"fake_{mode}")
            with open(fake, "w", encoding="utf-8") as fh:
                fh.write(f"#!{sys.executable}\n" + _FAKE_SCREEN.replace("MODE", mode))
            os.chmod(fake, 0o755)
            out = os.path.join(d, "alerts.csv")
            meta = run_screen(fake, os.path.join(d, "list.csv"), os.path.join(d, "reg.csv"),
                              out, 2)
            alerts, grades, _ = read_alerts(out)
            truth = {("R1", "L1"), ("R3", "L2")}
            if mode == "False":
                ok = (meta["threshold_0"] and len(alerts) == 3
                      and close(average_precision(alerts, truth), (1 + 2 / 3) / 2)
                      and close(recall_at(truth, alerts, 0.5), 1.0))
            else:
                ok = (not meta["threshold_0"] and len(alerts) == 3)
            check(f"end to end, fake screen ({'rejects' if mode == 'True' else 'accepts'} "
                  f"--threshold 0)", ok)
        check("default threshold read from --help", default_threshold(fake, None) ==
              (0.4, "`screen --help`") and default_threshold(fake, 0.6)[0] == 0.6)

    for name, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    failed = sum(1 for _, ok in checks if not ok)
    print(f"{len(checks) - failed}/{len(checks)} checks passed")
    return 1 if failed else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", help="path to the tabayyun binary")
    ap.add_argument("--gen-seed", type=int, help="evaluate on a generated population (seed)")
    ap.add_argument("--registry", type=int, default=20000, help="generated registry size (20000)")
    ap.add_argument("--list", type=int, default=2000, help="generated list size (2000)")
    ap.add_argument("--shared", nargs="?", const=DEFAULT_SHARED,
                    help=f"evaluate on the external data in DIR (default {DEFAULT_SHARED})")
    ap.add_argument("--un", help="UN individuals TSV (default DIR/un_sc_individuals.tsv)")
    ap.add_argument("--pairs", help="labelled pairs TSV (default DIR/labeled_pairs.tsv)")
    ap.add_argument("--negatives",
                    help="people on no list (default DIR/synthetic_negative_persons.tsv)")
    ap.add_argument("--treated-source", default=TREATED_SOURCE,
                    help=f"labelled-pairs source of the treated UN entries ({TREATED_SOURCE})")
    ap.add_argument("--threshold-default", type=float,
                    help="the binary's default threshold (else read from `screen --help`, "
                         f"else {DEFAULT_THRESHOLD})")
    ap.add_argument("--threads", type=int, help="passed to `tabayyun screen --threads`")
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    ap.add_argument("--self-test", action="store_true", help="check the helpers on toy data")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.bin:
        ap.error("give --bin PATH")
    if args.gen_seed is None and args.shared is None:
        ap.error("give --gen-seed N and/or --shared [DIR]")
    if os.path.exists(args.bin):
        args.bin = os.path.abspath(args.bin)
    os.makedirs(args.out, exist_ok=True)
    rep, report = Report(), {"binary": args.bin}
    rep.out(f"tabayyun screening evaluation  binary={args.bin}")
    if args.gen_seed is not None:
        eval_generated(args, args.bin, rep, report)
    if args.shared is not None:
        eval_shared(args, args.bin, rep, report)
    rep.out("")
    rep.out(f"files: {os.path.abspath(args.out)}/ (report.txt, report.json, *_examples.tsv, "
            f"inputs and alerts under gen_seed*/ and shared/)")
    text = rep.text()
    sys.stdout.write(text)
    with open(os.path.join(args.out, "report.txt"), "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(os.path.join(args.out, "report.json"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False, default=str)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
