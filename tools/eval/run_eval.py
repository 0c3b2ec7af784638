#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Quality evaluation of the tabayyun name matcher on the external data set.

Builds three families of name pairs from the evaluation files, scores them with
`tabayyun compare --pairs FILE` (one run per task) and, with --baseline, with a
plain Jaro-Winkler implemented here, then prints the figures the project tracks:

  (a) cross-script full names: recall at <= 1 % hard-negative pass rate, AUC
  (b) Latin spelling variants:  recall at <= 1 % negative pass rate, AUC
  (c) labelled pairs (Person):  best F1, per source and per group

Everything is derived from the files given on the command line; no row is special,
so the same script gives comparable figures on the held-back split.
Python 3 standard library only. See tools/eval/README.md.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "eval"))
DEFAULT_OUT = os.path.join(REPO_ROOT, "out", "eval")

NEG_PASS_RATE = 0.01  # at most 1 % of negatives may score above the threshold
RECALL_TARGET = 0.97  # figures (a) and (b)
F1_TARGET = 0.90  # figure (c)
MAX_PAIRS = 200_000  # cap on positives and negatives of figure (b)
NEG_PER_POS = 5  # negatives per positive in figure (b)
WORST_N = 15  # examples listed per side in the worst-examples files
FEW_NEGATIVES = 200  # below this a 1 % pass rate is too coarse to trust; say so
PAIRS_HEADER = "name_a\tname_b"
MAX_RUNS_PER_TASK = 5000  # binary invocations while isolating failing pairs

# Characters treated as apostrophes (leading ones are stripped before taking a
# spelling's first letter; all are dropped from tokens with the punctuation).
APOSTROPHES = "'`\u2018\u2019\u02bc\u02bb\u02bf\u02be\u00b4\u02b9"


# --------------------------------------------------------------------------- data


def read_tsv(path, required):
    """Reads a UTF-8 TSV with one header line into a list of dicts.

    Cells are taken verbatim (no quoting rules: the files use none). Rows with the
    wrong number of cells are skipped and counted, never silently merged."""
    rows, bad = [], 0
    with open(path, encoding="utf-8", newline="") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
        missing = [c for c in required if c not in header]
        if missing:
            raise SystemExit(f"{path}: missing column(s) {', '.join(missing)}")
        for line in fh:
            cells = line.rstrip("\r\n").split("\t")
            if len(cells) != len(header):
                bad += 1
                continue
            rows.append(dict(zip(header, cells)))
    if bad:
        print(f"warning: {path}: skipped {bad} malformed row(s)", file=sys.stderr)
    return rows


def clean_name(text):
    """A name as it goes into a pairs file: tabs and line breaks (which would break
    the TSV) become spaces; nothing else is changed, the engine sees the source text."""
    return " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def strip_punct(text):
    return "".join(
        c for c in text if c not in APOSTROPHES and unicodedata.category(c)[0] not in "PS"
    )


def first_token(name):
    """First whitespace token of a Latin name, case-folded, punctuation removed
    (tokens that are only punctuation are skipped): 'SAIF-AL-DIN X' -> 'saifaldin'."""
    for tok in name.split():
        tok = strip_punct(tok.casefold())
        if tok:
            return tok
    return ""


def first_letter(spelling):
    """First letter of a token spelling, case-insensitive, leading apostrophes removed."""
    s = spelling.casefold().lstrip(APOSTROPHES + " ")
    return s[:1]


class UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic: the smaller key becomes the root
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


class Rng:
    """splitmix64: deterministic across Python versions and platforms (the random
    module's sampling helpers are not guaranteed to be)."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform integer in [0, n) (rejection sampling, no modulo bias)."""
        if n <= 0:
            raise ValueError("below(0)")
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = self.next64()
            if x < limit:
                return x % n

    def sample(self, items, k):
        """k items of a list chosen without replacement, in a deterministic order."""
        items = list(items)
        k = min(k, len(items))
        for i in range(k):
            j = i + self.below(len(items) - i)
            items[i], items[j] = items[j], items[i]
        return items[:k]


def pair(a, b, label, **meta):
    return {"a": clean_name(a), "b": clean_name(b), "label": label, **meta}


def build_xscript(path):
    """Figure (a). Positives: rows with direct_translit=1 (Arabic vs its Latin
    transliteration). Hard negatives: the Arabic name of a positive row against the
    Latin name of another person's positive row whose first token equals the first
    token of this row's Latin name. Persons are the entity_key, merged with
    source_ref when that is itself an entity key (an OFAC record linked to its UN
    record is the same person, not a negative)."""
    rows = read_tsv(
        path, ["entity_key", "source_ref", "name_arabic", "name_latin", "direct_translit"]
    )
    persons = UnionFind()
    for r in rows:
        persons.find(r["entity_key"])
        if ":" in r["source_ref"]:
            persons.union(r["entity_key"], r["source_ref"])

    pos_rows = [r for r in rows if r["direct_translit"].strip() == "1"]
    positives, seen = [], set()
    for r in pos_rows:
        key = (clean_name(r["name_arabic"]), clean_name(r["name_latin"]))
        if key in seen or not key[0] or not key[1]:
            continue
        seen.add(key)
        positives.append(pair(*key, 1, person=r["entity_key"], other=r["entity_key"]))

    by_token = defaultdict(list)  # first token of a Latin name -> positive rows
    for p in positives:
        by_token[first_token(p["b"])].append(p)
    by_token.pop("", None)

    # Latin names (case-folded) and Arabic names of each person, to count namesakes.
    latin_of, arabic_of = defaultdict(set), defaultdict(set)
    for r in rows:
        person = persons.find(r["entity_key"])
        latin_of[person].add(clean_name(r["name_latin"]).casefold())
        arabic_of[person].add(clean_name(r["name_arabic"]))

    negatives, seen, namesakes = [], set(), 0
    for group in by_token.values():
        for p in group:
            pp = persons.find(p["person"])
            for q in group:
                qp = persons.find(q["person"])
                if pp == qp:
                    continue
                key = (p["a"], q["b"])
                if key in seen:
                    continue
                seen.add(key)
                same_name = q["b"].casefold() in latin_of[pp] or p["a"] in arabic_of[qp]
                namesakes += same_name
                negatives.append(
                    pair(*key, 0, person=p["person"], other=q["person"], namesake=int(same_name))
                )
    info = {
        "rows": len(rows),
        "positives": len(positives),
        "negatives": len(negatives),
        "negatives_namesakes": namesakes,
        "persons_with_positive": len({persons.find(p["person"]) for p in positives}),
    }
    return positives + negatives, info


def build_variants(path, seed, max_pairs=MAX_PAIRS):
    """Figure (b). Spelling families: the latin_variants_support2 groups, unioned
    when they share a spelling (the README: groups whose Arabic keys differ only by
    hamza or diacritics are one family). Positives: pairs of distinct spellings of
    one family (sampled when more than max_pairs). Negatives: pairs of spellings of
    different families with the same first letter, sampled: NEG_PER_POS per positive,
    at most max_pairs."""
    rows = read_tsv(path, ["latin_variants_support2"])
    uf = UnionFind()
    display = {}  # key -> first spelling seen with that key
    for r in rows:
        keys = []
        for s in r["latin_variants_support2"].split("|"):
            s = clean_name(s)
            if not s:
                continue
            k = unicodedata.normalize("NFC", s).casefold()
            display.setdefault(k, s)
            keys.append(k)
        for k in keys:
            uf.find(k)
        for k in keys[1:]:
            uf.union(keys[0], k)
    families = defaultdict(list)
    for k in sorted(display):
        families[uf.find(k)].append(k)
    fam_list = sorted(families.values(), key=lambda f: f[0])
    family_of = {k: i for i, f in enumerate(fam_list) for k in f}
    rng = Rng(seed)

    # positives
    multi = [f for f in fam_list if len(f) > 1]
    n_pos_all = sum(len(f) * (len(f) - 1) // 2 for f in multi)
    if n_pos_all <= max_pairs:
        pos_keys = [(f[i], f[j]) for f in multi for i in range(len(f)) for j in range(i + 1, len(f))]
    else:
        weights = [len(f) * (len(f) - 1) // 2 for f in multi]
        pos_keys = _sample_pairs(rng, multi, weights, max_pairs, lambda a, b: True)

    # negatives: same first letter, different family
    target = min(NEG_PER_POS * len(pos_keys), max_pairs)
    buckets = defaultdict(list)
    for k in sorted(display):
        buckets[first_letter(k)].append(k)
    bucket_list = [buckets[c] for c in sorted(buckets)]
    weights = []
    for b in bucket_list:
        fam_sizes = Counter(family_of[k] for k in b)
        same = sum(n * (n - 1) // 2 for n in fam_sizes.values())
        weights.append(len(b) * (len(b) - 1) // 2 - same)
    n_neg_all = sum(weights)

    def different(a, b):
        return family_of[a] != family_of[b]

    if n_neg_all <= 4 * target:
        everything = [
            (b[i], b[j])
            for b in bucket_list
            for i in range(len(b))
            for j in range(i + 1, len(b))
            if different(b[i], b[j])
        ]
        neg_keys = rng.sample(everything, target)
    else:
        neg_keys = _sample_pairs(rng, bucket_list, weights, target, different)

    pairs = [pair(display[a], display[b], 1) for a, b in pos_keys]
    pairs += [pair(display[a], display[b], 0) for a, b in neg_keys]
    sizes = sorted((len(f) for f in fam_list), reverse=True)
    info = {
        "groups": len(rows),
        "spellings": len(display),
        "families": len(fam_list),
        "families_with_2plus": len(multi),
        "largest_families": sizes[:5],
        "positives_possible": n_pos_all,
        "positives": len(pos_keys),
        "negatives_possible": n_neg_all,
        "negatives": len(neg_keys),
        "seed": seed,
    }
    return pairs, info


def _sample_pairs(rng, groups, weights, count, accept):
    """Samples `count` distinct unordered pairs: a group with probability proportional
    to its weight, then two distinct members uniformly; keeps pairs accepted by
    `accept`. Callers make sure far more than `count` acceptable pairs exist."""
    cum, total = [], 0
    for w in weights:
        total += w
        cum.append(total)
    chosen, seen = [], set()
    while len(chosen) < count:
        x = rng.below(total)
        lo, hi = 0, len(cum) - 1
        while lo < hi:  # first group whose cumulative weight exceeds x
            mid = (lo + hi) // 2
            if cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        g = groups[lo]
        i = rng.below(len(g))
        j = rng.below(len(g) - 1)
        j += j >= i
        a, b = (g[i], g[j]) if g[i] < g[j] else (g[j], g[i])
        if (a, b) in seen or not accept(a, b):
            continue
        seen.add((a, b))
        chosen.append((a, b))
    return chosen


def build_labeled(path):
    """Figure (c). Rows with schema == Person: name1 vs name2, label is_match."""
    rows = read_tsv(path, ["source", "group", "schema", "name1", "name2", "is_match"])
    pairs, skipped = [], 0
    truth = {"true": 1, "1": 1, "yes": 1, "false": 0, "0": 0, "no": 0}
    for r in rows:
        if r["schema"].strip() != "Person":
            continue
        label = truth.get(r["is_match"].strip().lower())
        if label is None:
            skipped += 1
            continue
        pairs.append(
            pair(r["name1"], r["name2"], label, source=r["source"], group=r["group"],
                 id=r.get("pair_id", ""))
        )
    info = {
        "rows": len(rows),
        "person_pairs": len(pairs),
        "positives": sum(p["label"] for p in pairs),
        "negatives": sum(1 - p["label"] for p in pairs),
        "skipped_unlabelled": skipped,
    }
    return pairs, info


def write_pairs(path, pairs):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(PAIRS_HEADER + "\n")
        for p in pairs:
            fh.write(f"{p['a']}\t{p['b']}\n")


# ---------------------------------------------------------------- scoring: binary


class BinaryError(Exception):
    pass


def _parse_output(stdout, pairs, idx, scores, reasons, stats):
    """Stores the scores of the output lines (in order) and returns how many
    pairs of `idx` they covered."""
    lines = [ln.rstrip("\r") for ln in stdout.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    if lines and lines[0].split("\t")[0].strip().lower() == "score":
        lines.pop(0)  # a header line, tolerated though not in the contract
    if len(lines) > len(idx):
        raise BinaryError(f"{len(lines)} output lines for {len(idx)} pairs: cannot align")
    for n, line in enumerate(lines):
        i = idx[n]
        cells = line.split("\t")
        if len(cells) >= 3 and (cells[1] != pairs[i]["a"] or cells[2] != pairs[i]["b"]):
            stats["echo_mismatch"] += 1
            if stats["echo_mismatch"] == 1:
                stats["echo_example"] = f"line {n + 1}: {line!r} for pair {pairs[i]['a']!r}"
        try:
            s = float(cells[0])
        except ValueError:
            s = math.nan
        if math.isnan(s):
            scores[i], reasons[i] = 0.0, "nan"
        else:
            if not 0.0 <= s <= 1.0:
                stats["out_of_range"] += 1
                s = min(1.0, max(0.0, s))
            scores[i] = s
    return len(lines)


def score_with_binary(binary, pairs, workdir, task):
    """Scores pairs with `binary compare --pairs FILE`, one run in the normal case.

    A pair the tool cannot parse may come back as `nan` or make the tool exit (2):
    such a pair scores 0 and is counted. On a failed run the lines printed before
    the failure are kept and the rest is re-run: the next pair alone when the tool
    streams (the failing pair is then that one), halves otherwise, so a few bad
    pairs cost a few dozen runs."""
    scores = [None] * len(pairs)
    reasons = [None] * len(pairs)  # why a pair scored 0 without a score: nan / exit N
    stats = Counter()
    runs = 0
    first_stderr = ""
    work = [list(range(len(pairs)))]
    path = os.path.join(workdir, f"pairs_{task}.tsv")
    t0 = time.monotonic()
    while work:
        idx = work.pop()
        if not idx:
            continue
        runs += 1
        if runs > MAX_RUNS_PER_TASK:
            raise BinaryError(f"more than {MAX_RUNS_PER_TASK} runs isolating failing pairs")
        if runs == 1:
            write_pairs(path, pairs)
            run_path = path
        else:
            run_path = os.path.join(workdir, f"retry_{task}.tsv")
            write_pairs(run_path, [pairs[i] for i in idx])
        try:
            proc = subprocess.run([binary, "compare", "--pairs", run_path], capture_output=True)
        except OSError as e:
            raise BinaryError(f"cannot run {binary}: {e}")
        stdout = proc.stdout.decode("utf-8", errors="replace")
        stderr = proc.stderr.decode("utf-8", errors="replace")
        if stderr.strip() and not first_stderr:
            first_stderr = stderr.strip().splitlines()[0]
        if runs == 1 and proc.returncode not in (0, 2):
            raise BinaryError(
                f"`{binary} compare --pairs {run_path}` exited {proc.returncode}: "
                f"{stderr.strip()[:500]}"
            )
        done = _parse_output(stdout, pairs, idx, scores, reasons, stats)
        if proc.returncode == 0 and done == len(idx):
            continue
        rest = idx[done:]
        if len(rest) == 1:
            scores[rest[0]] = 0.0
            reasons[rest[0]] = f"exit {proc.returncode}" if proc.returncode else "no output"
        elif done > 0:
            # the tool streams: the pair after the last line is the suspect
            work.append(rest[1:])
            work.append(rest[:1])
        else:
            mid = len(rest) // 2
            work.append(rest[mid:])
            work.append(rest[:mid])
    elapsed = time.monotonic() - t0
    if runs > 1:
        os.remove(os.path.join(workdir, f"retry_{task}.tsv"))
    failed = Counter(r for r in reasons if r)
    meta = {
        "runs": runs,
        "seconds": round(elapsed, 3),
        "failed": sum(failed.values()),
        "failed_by_reason": dict(failed),
        "out_of_range_clamped": stats["out_of_range"],
        "echo_mismatch": stats["echo_mismatch"],
        "first_stderr_line": first_stderr,
    }
    if stats["echo_mismatch"]:
        meta["echo_example"] = stats["echo_example"]
    return scores, reasons, meta


# ------------------------------------------------------------- scoring: baseline


def ascii_fold(text):
    """Lower-case ASCII: NFKD, combining marks dropped, non-ASCII dropped, spaces
    collapsed. Arabic script folds to '' (the baseline cannot read it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if ord(c) < 128)
    return " ".join(kept.lower().split())


def jaro_winkler(s1, s2, prefix_scale=0.1, boost_threshold=0.7):
    """Jaro-Winkler similarity (Winkler 1990): common prefix up to 4 characters,
    applied when the Jaro similarity exceeds boost_threshold. Empty input scores 0."""
    if not s1 or not s2:
        return 0.0
    if s1 == s2:
        return 1.0
    n1, n2 = len(s1), len(s2)
    window = max(0, max(n1, n2) // 2 - 1)
    m1, m2 = [False] * n1, [False] * n2
    matches = 0
    for i, c in enumerate(s1):
        lo, hi = max(0, i - window), min(n2, i + window + 1)
        for j in range(lo, hi):
            if not m2[j] and s2[j] == c:
                m1[i] = m2[j] = True
                matches += 1
                break
    if matches == 0:
        return 0.0
    half_transpositions, j = 0, 0
    for i in range(n1):
        if m1[i]:
            while not m2[j]:
                j += 1
            if s1[i] != s2[j]:
                half_transpositions += 1
            j += 1
    t = half_transpositions // 2
    jaro = (matches / n1 + matches / n2 + (matches - t) / matches) / 3.0
    if jaro <= boost_threshold:
        return jaro
    prefix = 0
    for a, b in zip(s1[:4], s2[:4]):
        if a != b:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1.0 - jaro)


def score_with_jw(pairs):
    t0 = time.monotonic()
    scores = [jaro_winkler(ascii_fold(p["a"]), ascii_fold(p["b"])) for p in pairs]
    meta = {"runs": 0, "seconds": round(time.monotonic() - t0, 3), "failed": 0}
    return scores, [None] * len(pairs), meta


# ------------------------------------------------------------------------ metrics


def threshold_at_neg_rate(neg_scores, max_rate=NEG_PASS_RATE):
    """Smallest t with (#negatives scoring > t) / #negatives <= max_rate.

    That is the (k+1)-th largest negative score, k = floor(max_rate * n): at most
    k negatives lie strictly above it. None without negatives."""
    if not neg_scores:
        return None
    ordered = sorted(neg_scores, reverse=True)
    k = int(math.floor(max_rate * len(ordered) + 1e-9))
    if k >= len(ordered):
        return -1.0  # every negative may pass (only when max_rate >= 1)
    return ordered[k]


def rate_above(scores, t):
    return sum(1 for s in scores if s > t) / len(scores) if scores else float("nan")


def roc_auc(pos_scores, neg_scores):
    """P(positive scores higher than negative), ties counting one half
    (Mann-Whitney U / (n_pos * n_neg))."""
    if not pos_scores or not neg_scores:
        return float("nan")
    tagged = sorted([(s, 1) for s in pos_scores] + [(s, 0) for s in neg_scores])
    rank_sum_pos, i, n = 0.0, 0, len(tagged)
    while i < n:
        j = i
        while j < n and tagged[j][0] == tagged[i][0]:
            j += 1
        avg_rank = (i + 1 + j) / 2.0  # ranks i+1 .. j share their mean
        rank_sum_pos += avg_rank * sum(lab for _, lab in tagged[i:j])
        i = j
    n_pos, n_neg = len(pos_scores), len(neg_scores)
    u = rank_sum_pos - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def prf_at(scores, labels, t):
    tp = sum(1 for s, y in zip(scores, labels) if y and s > t)
    fp = sum(1 for s, y in zip(scores, labels) if not y and s > t)
    fn = sum(1 for s, y in zip(scores, labels) if y and not s > t)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}


def best_f1(scores, labels):
    """Best F1 over thresholds t (pass when score > t); candidates are every distinct
    score and -1 (everything passes). Ties in F1 go to the larger threshold."""
    order = sorted(set(scores), reverse=True)
    n_pos = sum(labels)
    by_score = defaultdict(lambda: [0, 0])
    for s, y in zip(scores, labels):
        by_score[s][0 if y else 1] += 1
    best = None
    tp = fp = 0
    # threshold just above the largest score: nothing passes
    candidates = [(order[0] if order else 0.0, 0, 0)]
    for k, s in enumerate(order):
        tp += by_score[s][0]
        fp += by_score[s][1]
        t = order[k + 1] if k + 1 < len(order) else -1.0
        candidates.append((t, tp, fp))
    for t, tp_, fp_ in candidates:
        p = tp_ / (tp_ + fp_) if tp_ + fp_ else 0.0
        r = tp_ / n_pos if n_pos else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if best is None or f1 > best["f1"] + 1e-12:
            best = {"f1": f1, "threshold": t, "precision": p, "recall": r}
    return best


# ------------------------------------------------------------------------- report


def fmt(x, digits=4):
    if x is None:
        return "n/a"
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return f"{x:.{digits}f}"


def pct(x):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.2f}%"


def ranking_figures(pairs, scores):
    pos = [s for p, s in zip(pairs, scores) if p["label"]]
    neg = [s for p, s in zip(pairs, scores) if not p["label"]]
    t = threshold_at_neg_rate(neg)
    return {
        "threshold": t,
        "neg_pass_rate": rate_above(neg, t) if t is not None else None,
        "recall": rate_above(pos, t) if t is not None else None,
        "auc": roc_auc(pos, neg),
    }


def write_worst(path, pairs, scorer_scores, reasons, extra_cols):
    """Lowest-scoring positives and highest-scoring negatives, per scorer."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for scorer, scores in scorer_scores.items():
            for label, title, rev in ((1, "lowest-scoring positives", False),
                                      (0, "highest-scoring negatives", True)):
                rows = [i for i, p in enumerate(pairs) if p["label"] == label]
                rows.sort(key=lambda i: scores[i], reverse=rev)
                fh.write(f"# {scorer}: {WORST_N} {title}\n")
                fh.write("\t".join(["score", "failure"] + extra_cols + ["name_a", "name_b"]))
                fh.write("\n")
                for i in rows[:WORST_N]:
                    cells = [f"{scores[i]:.4f}", reasons[scorer][i] or ""]
                    cells += [str(pairs[i].get(c, "")) for c in extra_cols]
                    fh.write("\t".join(cells + [pairs[i]["a"], pairs[i]["b"]]) + "\n")
                fh.write("\n")


def misses(pairs, scores, t):
    """Positives that do not pass t (lowest first), then negatives that do (highest first)."""
    missed = sorted((i for i, p in enumerate(pairs) if p["label"] and not scores[i] > t),
                    key=lambda i: (scores[i], pairs[i]["a"], pairs[i]["b"]))
    passed = sorted((i for i, p in enumerate(pairs) if not p["label"] and scores[i] > t),
                    key=lambda i: (-scores[i], pairs[i]["a"], pairs[i]["b"]))
    return missed, passed


def write_misses(path, pairs, scorer_scores, reasons, figs, extra_cols):
    """Every missed positive and passing negative at each scorer's 1 % threshold.

    Returns {scorer: (threshold, missed positive indices)} for printing."""
    found = {}
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for scorer, scores in scorer_scores.items():
            t = figs[scorer]["threshold"]
            if t is None:
                continue
            missed, passed = misses(pairs, scores, t)
            found[scorer] = (t, missed)
            for title, rows in (("missed positives", missed), ("passing negatives", passed)):
                fh.write(f"# {scorer} at threshold {t:.4f}: {len(rows)} {title}\n")
                fh.write("\t".join(["score", "failure"] + extra_cols + ["name_a", "name_b"]))
                fh.write("\n")
                for i in rows:
                    cells = [f"{scores[i]:.4f}", reasons[scorer][i] or ""]
                    cells += [str(pairs[i].get(c, "")) for c in extra_cols]
                    fh.write("\t".join(cells + [pairs[i]["a"], pairs[i]["b"]]) + "\n")
                fh.write("\n")
    return found


def write_scores(path, pairs, scorer_scores, extra_cols):
    names = list(scorer_scores)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("label\t" + "\t".join(names + extra_cols) + "\tname_a\tname_b\n")
        for i, p in enumerate(pairs):
            cells = [str(p["label"])] + [f"{scorer_scores[n][i]:.6f}" for n in names]
            cells += [str(p.get(c, "")) for c in extra_cols]
            fh.write("\t".join(cells + [p["a"], p["b"]]) + "\n")


def write_labeled_errors(path, pairs, scorer_scores, reasons, thresholds):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for scorer, scores in scorer_scores.items():
            t = thresholds[scorer]
            fns = sorted((i for i, p in enumerate(pairs) if p["label"] and not scores[i] > t),
                         key=lambda i: scores[i])
            fps = sorted((i for i, p in enumerate(pairs) if not p["label"] and scores[i] > t),
                         key=lambda i: -scores[i])
            for title, rows in (("missed matches (false negatives)", fns),
                                ("false alerts (false positives)", fps)):
                fh.write(f"# {scorer} at threshold {t:.4f}: {len(rows)} {title}, worst first\n")
                fh.write("score\tfailure\tsource\tgroup\tpair_id\tname1\tname2\n")
                for i in rows:
                    p = pairs[i]
                    fh.write(f"{scores[i]:.4f}\t{reasons[scorer][i] or ''}\t{p['source']}\t"
                             f"{p['group']}\t{p['id']}\t{p['a']}\t{p['b']}\n")
                fh.write("\n")


def run(args):
    os.makedirs(args.out, exist_ok=True)
    scorers = []
    if args.bin:
        scorers.append("tabayyun")
    if args.baseline:
        scorers.append("jw")
    tasks = [
        ("xscript", "(a) cross-script full names",
         lambda: build_xscript(os.path.join(args.data, "xscript_fullname_pairs.tsv"))),
        ("variants", "(b) Latin spelling variants",
         lambda: build_variants(os.path.join(args.data, "latin_token_variant_groups.tsv"),
                                args.seed)),
        ("labeled", "(c) labelled pairs, schema Person",
         lambda: build_labeled(os.path.join(args.data, "labeled_pairs.tsv"))),
    ]
    report = {"data": os.path.abspath(args.data), "binary": args.bin, "seed": args.seed,
              "tasks": {}}
    lines = []
    out = lines.append
    out(f"tabayyun evaluation  data={os.path.abspath(args.data)}  seed={args.seed}")
    out(f"scorers: {', '.join(scorers)}  (pass = score > threshold; failed pairs score 0)")
    def row(label, values):
        out(f"  {label:<52}" + "".join(f"{v:>14}" for v in values))

    for task, title, build in tasks:
        if args.tasks and task not in args.tasks:
            continue
        pairs, info = build()
        write_pairs(os.path.join(args.out, f"pairs_{task}.tsv"), pairs)
        scores, reasons, metas = {}, {}, {}
        for scorer in scorers:
            if scorer == "tabayyun":
                try:
                    s, r, m = score_with_binary(args.bin, pairs, args.out, task)
                except BinaryError as e:
                    raise SystemExit(f"error: task {task}: {e}")
            else:
                s, r, m = score_with_jw(pairs)
            scores[scorer], reasons[scorer], metas[scorer] = s, r, m
        entry = {"info": info, "scoring": metas, "figures": {}}
        out("")
        out(f"{title}")
        out("  " + ", ".join(f"{k}={v}" for k, v in info.items()))
        row("", scorers)
        row("failed pairs (scored 0)", [metas[s]["failed"] for s in scorers])
        if task in ("xscript", "variants"):
            figs = {s: ranking_figures(pairs, scores[s]) for s in scorers}
            entry["figures"] = figs
            row("threshold (<=1% negatives pass)", [fmt(figs[s]["threshold"]) for s in scorers])
            row("negatives passing", [pct(figs[s]["neg_pass_rate"]) for s in scorers])
            row(f"positive recall (target >= {RECALL_TARGET:.0%})",
                [pct(figs[s]["recall"]) for s in scorers])
            row("ROC-AUC", [fmt(figs[s]["auc"]) for s in scorers])
            for s in scorers:
                r = figs[s]["recall"]
                figs[s]["meets_target"] = r is not None and r >= RECALL_TARGET
            if info["negatives"] < FEW_NEGATIVES:
                out(f"  NOTE: only {info['negatives']} negatives: the 1 % threshold is the "
                    f"top negative score or close to it; read it with care")
            if task == "xscript":
                out(f"  ({info['negatives_namesakes']} negatives are namesakes: the other "
                    f"person's Latin or Arabic name is one of this person's own)")
            extra = ["person", "other", "namesake"] if task == "xscript" else []
            write_worst(os.path.join(args.out, f"worst_{task}.tsv"), pairs, scores, reasons, extra)
            write_scores(os.path.join(args.out, f"scores_{task}.tsv"), pairs, scores, extra)
            found = write_misses(os.path.join(args.out, f"misses_{task}.tsv"), pairs, scores,
                                 reasons, figs, extra)
            for s in scorers[:1] if args.misses else []:  # tabayyun's, else the baseline's
                if s not in found:
                    continue
                t, missed = found[s]
                out(f"  {s}: {len(missed)} missed positives at threshold {t:.4f}, lowest first:")
                for i in missed:
                    out(f"    {scores[s][i]:.4f}  {pairs[i]['a']}  |  {pairs[i]['b']}")
        else:
            labels = [p["label"] for p in pairs]
            figs, thresholds = {}, {}
            for s in scorers:
                b = best_f1(scores[s], labels)
                b["meets_target"] = b["f1"] >= F1_TARGET
                thresholds[s] = b["threshold"]
                parts = {}
                for col in ("source", "group"):
                    for value in sorted({p[col] for p in pairs}):
                        sel = [i for i, p in enumerate(pairs) if p[col] == value]
                        sub_s = [scores[s][i] for i in sel]
                        sub_y = [labels[i] for i in sel]
                        at = prf_at(sub_s, sub_y, b["threshold"])
                        parts[f"{col}={value}"] = {
                            "n": len(sel), "positives": sum(sub_y),
                            "f1_at_global_threshold": at["f1"],
                            "precision": at["precision"], "recall": at["recall"],
                            "best_f1_own_threshold": best_f1(sub_s, sub_y)["f1"],
                        }
                b["by_subset"] = parts
                figs[s] = b
            entry["figures"] = figs
            row(f"best F1 (target >= {F1_TARGET:.2f})", [fmt(figs[s]["f1"]) for s in scorers])
            row("  at threshold", [fmt(figs[s]["threshold"]) for s in scorers])
            row("  precision", [fmt(figs[s]["precision"]) for s in scorers])
            row("  recall", [fmt(figs[s]["recall"]) for s in scorers])
            out("  F1 per subset at the global threshold (best F1 at the subset's own "
                "threshold in brackets):")
            for key in figs[scorers[0]]["by_subset"]:
                d0 = figs[scorers[0]]["by_subset"][key]
                label = f"{key} (n={d0['n']}, pos={d0['positives']})"
                row("  " + label, [
                    f"{fmt(figs[s]['by_subset'][key]['f1_at_global_threshold'], 3)}"
                    f" [{fmt(figs[s]['by_subset'][key]['best_f1_own_threshold'], 2)}]"
                    for s in scorers])
            write_labeled_errors(os.path.join(args.out, f"errors_{task}.tsv"), pairs, scores,
                                 reasons, thresholds)
            write_scores(os.path.join(args.out, f"scores_{task}.tsv"), pairs, scores,
                         ["source", "group", "id"])
        for s in scorers:
            m = metas[s]
            if m["failed"]:
                out(f"  {s}: {m['failed']} pair(s) failed {m['failed_by_reason']}, "
                    f"{m['runs']} run(s); first stderr line: {m.get('first_stderr_line', '')}")
            if m.get("echo_mismatch"):
                out(f"  {s}: WARNING {m['echo_mismatch']} output line(s) did not echo their "
                    f"pair: {m['echo_example']}")
            if m.get("out_of_range_clamped"):
                out(f"  {s}: WARNING {m['out_of_range_clamped']} score(s) outside [0,1] clamped")
        report["tasks"][task] = entry
    out("")
    out(f"files: {os.path.abspath(args.out)}/ (pairs_*, scores_*, worst_*, errors_labeled.tsv, "
        f"report.txt, report.json)")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(args.out, "report.txt"), "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(os.path.join(args.out, "report.json"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False, default=str)
        fh.write("\n")
    return 0


# ---------------------------------------------------------------------- self-test


def self_test():
    def close(a, b, eps=1e-3):
        return a is not None and abs(a - b) <= eps

    checks = []

    def check(name, ok):
        checks.append((name, bool(ok)))

    # threshold: 200 negatives -> 2 may pass -> t is the 3rd largest
    neg = [i / 1000 for i in range(200)]  # 0.000 .. 0.199
    t = threshold_at_neg_rate(neg)
    check("threshold is the (k+1)-th largest negative", close(t, 0.197, 1e-9))
    check("at most 1% of negatives pass", rate_above(neg, t) <= 0.01)
    check("a smaller threshold would let more pass", rate_above(neg, 0.1965) > 0.01)
    check("ties at the threshold do not pass", threshold_at_neg_rate([0.5] * 50 + [0.1] * 50) == 0.5)
    check("50 negatives: none may pass", threshold_at_neg_rate([0.1, 0.9] + [0.0] * 48) == 0.9)
    check("recall counts score > t", rate_above([0.2, 0.197, 0.5, 0.1], t) == 0.5)
    # AUC
    check("AUC perfect", roc_auc([0.9, 0.8], [0.1, 0.2]) == 1.0)
    check("AUC inverted", roc_auc([0.1], [0.9, 0.8]) == 0.0)
    check("AUC ties are one half", roc_auc([0.5, 0.5], [0.5, 0.5]) == 0.5)
    check("AUC mixed", close(roc_auc([0.9, 0.4], [0.5, 0.1]), 0.75, 1e-12))
    # F1
    scores = [0.9, 0.8, 0.7, 0.6, 0.3, 0.2]
    labels = [1, 1, 0, 1, 0, 0]
    b = best_f1(scores, labels)
    check("best F1 value", close(b["f1"], 6 / 7, 1e-9))  # P=3/4, R=1 at t=0.3
    check("best F1 threshold", b["threshold"] == 0.3 and close(b["precision"], 0.75, 1e-9))
    check("F1 at a threshold", close(prf_at(scores, labels, 0.75)["f1"], 0.8, 1e-9))
    check("F1 all pass", best_f1([0.5, 0.5], [1, 1])["f1"] == 1.0)
    # Jaro-Winkler reference values (Winkler 1990)
    check("JW martha/marhta", close(jaro_winkler("martha", "marhta"), 0.9611))
    check("JW dwayne/duane", close(jaro_winkler("dwayne", "duane"), 0.84))
    check("JW dixon/dicksonx", close(jaro_winkler("dixon", "dicksonx"), 0.8133))
    check("JW empty", jaro_winkler("", "abc") == 0.0)
    check("ascii fold", ascii_fold("  MUḤAMMAD  al-Ṣāliḥ ") == "muhammad al-salih"
          and ascii_fold("محمد") == "")
    # pair building helpers
    check("first token", first_token("SAIF-AL-DIN AL-RAWI") == "saifaldin"
          and first_token("- 'Abd Allah") == "abd")
    check("first letter", first_letter("'Ali") == "a" and first_letter("\u02bfUmar") == "u")
    rng1, rng2 = Rng(7), Rng(7)
    check("rng deterministic", [rng1.below(10) for _ in range(20)] == [rng2.below(10) for _ in range(20)])
    uf = UnionFind()
    uf.union("b", "c")
    uf.union("a", "c")
    check("union-find", uf.find("b") == uf.find("a") and uf.find("d") == "d")

    # end to end on toy files, including a fake binary that fails on one pair
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "latin_token_variant_groups.tsv"), "w", encoding="utf-8") as fh:
            fh.write("arabic\tlatin_variants_support2\n")
            fh.write("x\tahmad|ahmed\ny\tahmed|ahmet\nz\tomar|umar\nw\tali|aly\nv\tanwar|anouar\n")
        pairs, info = build_variants(os.path.join(tmp, "latin_token_variant_groups.tsv"), 1)
        check("variant families unioned", info["families"] == 4 and info["positives"] == 6)
        check("variant negatives share the first letter, differ in family",
              all(p["a"][0] == p["b"][0] for p in pairs if not p["label"])
              and info["negatives"] == min(30, info["negatives_possible"]))
        with open(os.path.join(tmp, "x.tsv"), "w", encoding="utf-8") as fh:
            fh.write("entity_key\tsource_ref\tname_arabic\tname_latin\tdirect_translit\n")
            fh.write("UN:1\tQ.1\tمحمد علي\tMUHAMMAD ALI\t1\n")
            fh.write("OFAC:9\tUN:1\tمحمد علي\tMuhammad ALI-X\t1\n")
            fh.write("UN:2\tQ.2\tمحمد حسن\tMUHAMMAD HASAN\t1\n")
            fh.write("UN:3\tQ.3\tعمر\tOMAR\t1\n")
        pairs, info = build_xscript(os.path.join(tmp, "x.tsv"))
        negs = {(p["a"], p["b"]) for p in pairs if not p["label"]}
        check("xscript hard negatives skip linked records",
              negs == {("محمد علي", "MUHAMMAD HASAN"), ("محمد حسن", "MUHAMMAD ALI"),
                       ("محمد حسن", "Muhammad ALI-X")})
        for mode in ("nan", "exit", "exit-batch"):
            fake = os.path.join(tmp, f"fake_{mode}")
            with open(fake, "w", encoding="utf-8") as fh:
                fh.write(f"#!{sys.executable}\n" + _FAKE_TOOL.replace("MODE", mode))
            os.chmod(fake, 0o755)
            toy = [pair(f"name {i}", f"name {i}x", i % 2) for i in range(40)]
            toy[13]["a"] = "BAD"
            toy[29]["b"] = "BAD"
            s, r, m = score_with_binary(fake, toy, tmp, "t")
            ok = (m["failed"] == 2 and s[13] == 0.0 and s[29] == 0.0
                  and all(close(s[i], 0.5) for i in range(40) if i not in (13, 29)))
            check(f"binary failures counted as 0 ({mode}, {m['runs']} runs)", ok)

    for name, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    failed = sum(1 for _, ok in checks if not ok)
    print(f"{len(checks) - failed}/{len(checks)} checks passed")
    return 1 if failed else 0


# A stand-in for `tabayyun compare --pairs FILE` used by the self-test: scores 0.5,
# and a pair containing BAD gives `nan` (nan), stops the run with exit 2 after the
# lines before it (exit), or exits 2 before any output (exit-batch).
_FAKE_TOOL = r'''
import sys
rows = open(sys.argv[3], encoding="utf-8").read().splitlines()
if rows and rows[0] == "name_a\tname_b":
    rows = rows[1:]
if "MODE" == "exit-batch" and any("BAD" in r for r in rows):
    sys.exit(2)
for r in rows:
    a, b = r.split("\t")
    if "BAD" in r:
        if "MODE" == "nan":
            print("nan\t%s\t%s" % (a, b)); continue
        print("error: cannot parse", file=sys.stderr); sys.exit(2)
    print("0.5\t%s\t%s" % (a, b))
'''


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", help="path to the tabayyun binary")
    ap.add_argument("--data", default=DEFAULT_DATA, help=f"evaluation data (default {DEFAULT_DATA})")
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    ap.add_argument("--seed", type=int, default=1, help="sampling seed for figure (b) (default 1)")
    ap.add_argument("--baseline", action="store_true",
                    help="also score every pair with plain Jaro-Winkler (works without --bin)")
    ap.add_argument("--tasks", nargs="+", choices=["xscript", "variants", "labeled"],
                    help="run only these tasks")
    ap.add_argument("--misses", action="store_true",
                    help="also print every missed positive of (a) and (b) at the 1 %% threshold, "
                         "tabayyun's (or the baseline's without --bin); OUT/misses_<task>.tsv "
                         "always has them, with the passing negatives")
    ap.add_argument("--self-test", action="store_true", help="check the helpers on toy data")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.bin and not args.baseline:
        ap.error("give --bin PATH (and/or --baseline)")
    if args.bin and os.path.exists(args.bin):
        args.bin = os.path.abspath(args.bin)  # else looked up on PATH
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
