#!/usr/bin/env python3
"""Fill a blank CAQES grid as an establishment would, with openpyxl.

    fill_grid.py CATALOG.json ANSWERS.json BLANK.xlsx OUT.xlsx

CATALOG.json is `caqes catalog show ID --json`; ANSWERS.json an answers
document (tests/answers/<id>/*.json). Cells are found BY THEIR ROW LABELS, as a
person reads the grid (column A « Saisie », « Critère », « Preuve »… and the
label in column B; the indicator code heading its block), never through the
layout code of caqes-grid. Drop-down values are taken from the cell's own
data-validation list. openpyxl saves formulas without their results (no
recalculation): this is the « tool that stores no formula results » case.

Used by engine/cli/tests/excel_tools.rs (which installs openpyxl in a venv
under target/ when missing, see scripts/setup-openpyxl).
"""
import json
import os
import sys
import unicodedata

import openpyxl

# CAQES_FILL_PERCENT_TYPED=1: percentage targets are typed « 40 % », as a person does in a
# spreadsheet (the application then stores 0.4 with a percentage format).
PERCENT_TYPED = os.environ.get("CAQES_FILL_PERCENT_TYPED") == "1"

IDENT = "Identification"
SYNTH = "Synthèse"
META = "_caqes"


def fold(text):
    """Lower case, no accents, letters and digits only: « Non concerné » → nonconcerne."""
    t = unicodedata.normalize("NFD", str(text))
    return "".join(c for c in t if c.isalnum() and not unicodedata.combining(c)).lower()


def fail(msg):
    sys.stderr.write(f"fill_grid: {msg}\n")
    sys.exit(1)


def dropdown(ws, cell):
    """Options of the data-validation list of a cell (as the user sees them)."""
    for dv in ws.data_validations.dataValidation:
        if cell.coordinate in dv.sqref and dv.type == "list" and dv.formula1:
            f = dv.formula1.strip('"')
            return [o for o in f.split(",")]
    return []


def choose(ws, cell, wanted, what):
    """The drop-down option matching an id (folded comparison, or prefix: psy → Psychiatrie)."""
    options = dropdown(ws, cell)
    if not options:
        fail(f"{ws.title}!{cell.coordinate} ({what}) : pas de liste déroulante")
    w = fold(wanted)
    for o in options:
        if fold(o) == w:
            return o
    for o in options:
        if fold(o).startswith(w):
            return o
    fail(f"{ws.title}!{cell.coordinate} ({what}) : « {wanted} » absent de la liste {options}")


def put(ws, row, col, value):
    ws.cell(row=row, column=col).value = value


def yes_no(ws, cell, flag, what):
    return choose(ws, cell, "oui" if flag else "non", what)


def fill_identification(ws, catalog, answers):
    est = answers.get("establishment", {})
    rows = {}
    for row in range(1, ws.max_row + 1):
        label = ws.cell(row=row, column=1).value
        if isinstance(label, str):
            rows[label.strip()] = row

    def row_of(label):
        if label not in rows:
            fail(f"ligne « {label} » introuvable dans {IDENT}")
        return rows[label]

    def value_cell(label):
        return ws.cell(row=row_of(label), column=2)

    if est.get("finess"):
        value_cell("N° FINESS (9 caractères)").value = est["finess"]
    if est.get("name"):
        value_cell("Nom de l'établissement").value = est["name"]
    if est.get("departement"):
        value_cell("Département").value = est["departement"]
    if est.get("legal_status"):
        c = value_cell("Statut juridique")
        c.value = choose(ws, c, est["legal_status"], "statut juridique")
    funding_label = next((l for l in rows if l.startswith("Catégorie de financement")), None)
    if est.get("funding") and funding_label:
        c = value_cell(funding_label)
        c.value = choose(ws, c, est["funding"], "financement")
    cats = est.get("categories", [])
    if cats:
        for label, row in rows.items():
            if label.startswith("Activité "):
                c = ws.cell(row=row, column=2)
                name = fold(label[len("Activité "):])
                on = any(name.startswith(fold(k)) for k in cats)
                c.value = yes_no(ws, c, on, label)
    if est.get("beds") is not None:
        value_cell("Nombre de lits").value = est["beds"]
    if est.get("places") is not None:
        value_cell("Nombre de places").value = est["places"]
    if answers.get("previous_score") is not None:
        label = next((l for l in rows if l.startswith("Score ") and "année précédente" in l), None)
        if label is None:
            fail("ligne du score de l'année précédente introuvable")
        value_cell(label).value = answers["previous_score"]
    for qid, v in est.get("answers", {}).items():
        q = next((q for q in catalog.get("identification", []) if q["id"] == qid), None)
        if q is None:
            fail(f"question « {qid} » inconnue")
        c = value_cell(q["label"])
        if q["kind"] == "bool":
            c.value = yes_no(ws, c, bool(v), q["label"])
        elif q["kind"] == "choice":
            opt = next((o for o in q["options"] if o["id"] == v), None)
            c.value = opt["label"] if opt else v
        else:
            c.value = v


def inputs_of(measure):
    """id → label of every numeric input (or count term) of a measure, of any kind."""
    out = {}

    def walk(x):
        if isinstance(x, dict):
            if "id" in x and "label" in x and ("unit" in x or "weight" in x):
                out[x["id"]] = x["label"]
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(measure)
    return out


def block_rows(wb, code, codes):
    """(sheet, rows of the block) of the indicator whose heading is `code`."""
    for ws in wb.worksheets:
        if ws.title in (IDENT, SYNTH, META):
            continue
        for row in range(1, ws.max_row + 1):
            if ws.cell(row=row, column=1).value == code:
                rows = []
                r = row + 1
                while r <= ws.max_row:
                    a = ws.cell(row=r, column=1).value
                    if a in codes:
                        break
                    rows.append(r)
                    if a == "Commentaire":
                        break
                    r += 1
                return ws, rows
    fail(f"indicateur « {code} » introuvable dans les feuilles")


def fill_indicator(wb, ind, ans, codes):
    ws, rows = block_rows(wb, ind["code"], codes)

    def find(a_label, b_label=None):
        for r in rows:
            if ws.cell(row=r, column=1).value != a_label:
                continue
            if b_label is None or ws.cell(row=r, column=2).value == b_label:
                return r
        fail(f"{ind['code']} : ligne « {a_label} » / « {b_label} » introuvable")

    if ans.get("status"):
        c = ws.cell(row=find("Statut"), column=3)
        c.value = choose(ws, c, ans["status"], "statut")
    if ans.get("justification"):
        put(ws, find("Justification"), 2, ans["justification"])
    labels = inputs_of(ind["measure"])
    for iid, v in ans.get("inputs", {}).items():
        if v is None:
            continue
        put(ws, find("Saisie", labels[iid]), 3, v)
    crit = {c["id"]: c["label"] for c in ind["measure"].get("criteria", []) or []}
    for cid, flag in ans.get("criteria", {}).items():
        c = ws.cell(row=find("Critère", crit[cid]), column=3)
        c.value = yes_no(ws, c, flag, crit[cid])
    if ans.get("target") is not None:
        row = find("Cible", "Cible personnalisée de l'établissement")
        unit = (ind["measure"].get("target") or {}).get("unit")
        if PERCENT_TYPED and unit == "percent":
            # « 40 % » typed in Excel or LibreOffice: stored as 0.4 under a percentage format.
            c = ws.cell(row=row, column=3)
            c.value = ans["target"] / 100
            c.number_format = "0%"
        else:
            put(ws, row, 3, ans["target"])
    ev = {e["id"]: e["label"] for e in ind.get("evidence", [])}
    for eid in ans.get("evidence", []):
        c = ws.cell(row=find("Preuve", ev[eid]), column=3)
        c.value = yes_no(ws, c, True, ev[eid])
    if ans.get("comment"):
        put(ws, find("Commentaire"), 2, ans["comment"])


def main():
    if len(sys.argv) != 5:
        fail("usage : fill_grid.py CATALOG.json ANSWERS.json BLANK.xlsx OUT.xlsx")
    with open(sys.argv[1], encoding="utf-8") as f:
        catalog = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        answers = json.load(f)
    wb = openpyxl.load_workbook(sys.argv[3])
    fill_identification(wb[IDENT], catalog, answers)
    codes = {i["code"] for i in catalog["indicators"]}
    by_id = {i["id"]: i for i in catalog["indicators"]}
    for iid, ans in answers.get("indicators", {}).items():
        fill_indicator(wb, by_id[iid], ans, codes)
    wb.save(sys.argv[4])


if __name__ == "__main__":
    main()
