"""Write the bad-input corpus files (run from anywhere: ``python tests/bad_inputs/make_files.py``).

Every file is small and committed; this script documents how each was made and rebuilds the
binary ones (Excel, Parquet). ``cases.yaml`` lists what each file should do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

YEARS = (2016, 2017, 2018, 2019)
# school id -> (district, first grant year); ids keep leading zeros
SCHOOLS = {
    "0100001": ("01", 0),
    "0100002": ("01", 2018),
    "0200003": ("02", 0),
    "0200004": ("02", 2019),
    "0300005": ("03", 2018),
    "0300006": ("03", 0),
}
HEADER = [
    "school_id",
    "district_id",
    "school_year",
    "first_grant_year",
    "grant_active",
    "math_ss",
    "reading_ss",
    "enrollment",
    "w",
]


def base_rows() -> list[list[str]]:
    rows = []
    for i, (school, (district, cohort)) in enumerate(SCHOOLS.items()):
        for j, year in enumerate(YEARS):
            active = int(bool(cohort) and year >= cohort)
            rows.append(
                [
                    school,
                    district,
                    str(year),
                    str(cohort),
                    str(active),
                    f"{500 + 3 * i + j + 2 * active:.1f}",
                    f"{480 + 2 * i + j:.1f}",
                    str(300 + 10 * i),
                    "1.0",
                ]
            )
    return rows


def to_csv(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write(name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    (FILES / name).write_bytes(text.replace("\n", newline).encode(encoding))


def col(name: str) -> int:
    return HEADER.index(name)


def variant(**changes: Callable[[int, list[str]], list[str]]) -> list[list[str]]:
    """Base rows with each change applied per (row index, row)."""
    rows = base_rows()
    for fn in changes.values():
        rows = [fn(i, list(r)) for i, r in enumerate(rows)]
    return rows


def setcol(name: str, value_of: Callable[[int, list[str]], str]) -> Callable:
    def fn(i: int, r: list[str]) -> list[str]:
        r[col(name)] = value_of(i, r)
        return r

    return fn


def main() -> None:
    FILES.mkdir(exist_ok=True)
    (FILES / "a_folder.csv").mkdir(exist_ok=True)
    (FILES / "a_folder.csv" / ".keep").write_text("", encoding="utf-8")
    rows = base_rows()
    good = to_csv(HEADER, rows)
    write("good.csv", good)

    # -- reading --------------------------------------------------------------------------
    write("empty.csv", "")
    write("blank_lines.csv", "\n\n   \n")
    write("header_only.csv", ",".join(HEADER) + "\n")
    write("semicolon.csv", to_csv(HEADER, rows, sep=";"))
    write("crlf.csv", good, newline="\r\n")
    named = ["school_name", *HEADER]
    names = ["Escuela Peña", "École Saint-Jérôme", "Grünwald", "Señora Ñúñez", "Øst", "Zoë"]
    named_rows = [[names[i // len(YEARS)], *r] for i, r in enumerate(rows)]
    write("latin1.csv", to_csv(named, named_rows), encoding="latin-1")
    write("utf8_bom.csv", to_csv(named, named_rows), encoding="utf-8-sig")
    write("notes.pdf", "%PDF-1.4 not a table\n")
    (FILES / "corrupt.parquet").write_bytes(b"this is not parquet at all")
    frame = pd.read_csv(io.StringIO(good), dtype=str)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        frame.to_excel(xl, sheet_name="Schools", index=False)
    (FILES / "excel_as_csv.csv").write_bytes(buf.getvalue())
    (FILES / "one_sheet_renamed.xlsx").write_bytes(b"school_id,school_year\n1,2019\n")

    with pd.ExcelWriter(FILES / "two_sheets.xlsx", engine="openpyxl") as xl:
        frame[frame.school_year <= "2017"].to_excel(xl, sheet_name="2016-17", index=False)
        frame[frame.school_year > "2017"].to_excel(xl, sheet_name="2018-19", index=False)
    with pd.ExcelWriter(FILES / "sheets_one_match.xlsx", engine="openpyxl") as xl:
        pd.DataFrame({"Read me": ["Grant data, 2016-2019"]}).to_excel(
            xl, sheet_name="About", index=False
        )
        frame.to_excel(xl, sheet_name="Schools", index=False)
    # merged header rows: a group row ("Scores" over two columns) above the real header
    with pd.ExcelWriter(FILES / "merged_header.xlsx", engine="openpyxl") as xl:
        frame.to_excel(xl, sheet_name="Schools", index=False, startrow=1)
        ws = xl.sheets["Schools"]
        ws["A1"] = "Grant evaluation file"
        ws.merge_cells("A1:E1")
        ws["F1"] = "Scores"
        ws.merge_cells("F1:G1")
    merged = ",,,,,Scores,,,\n" + good
    write("merged_header.csv", merged)
    # a notes row above the header (one long text cell), not a merged header
    note = "Source: State Department of Education, 2019 release; * = fewer than 10 students"
    with pd.ExcelWriter(FILES / "notes_row.xlsx", engine="openpyxl") as xl:
        frame.to_excel(xl, sheet_name="Schools", index=False, startrow=1)
        xl.sheets["Schools"]["A1"] = note
    write("notes_row.csv", f'"{note}"\n' + good)

    # typed file whose numeric ids lost their leading zeros
    typed = frame.copy()
    typed["school_id"] = typed["school_id"].map(lambda s: int("1" + s[1:] + "00036"))
    typed.loc[typed.school_id == typed.school_id.iloc[0], "school_id"] = 10000136
    for c in ("school_year", "first_grant_year", "grant_active", "enrollment"):
        typed[c] = typed[c].astype(int)
    for c in ("math_ss", "reading_ss", "w"):
        typed[c] = typed[c].astype(float)
    typed.to_parquet(FILES / "numeric_ids.parquet", index=False)
    extreme = typed.copy()
    extreme.loc[5, "math_ss"] = float("inf")
    extreme.to_parquet(FILES / "infinite_value.parquet", index=False)
    write("web_page.xls", "<html><body><table><tr><td>school_id</td></tr></table></body></html>\n")
    # ids a spreadsheet turned into scientific notation
    write(
        "sci_ids.csv",
        to_csv(HEADER, variant(a=setcol("school_id", lambda i, r: f"1.0011{r[0][-1]}E+11"))),
    )

    # -- columns --------------------------------------------------------------------------
    write("dup_columns.csv", to_csv([*HEADER, "math_ss"], [[*r, r[col("math_ss")]] for r in rows]))
    long_name = "percent_of_students_scoring_proficient_or_above_" * 6 + "math_ss"
    write("long_names.csv", to_csv([*HEADER[:-4], long_name, *HEADER[-3:]], rows))
    (HERE / "long_names.yaml").write_text(
        "unit: school_id\ntime: school_year\ncohort: first_grant_year\n"
        f"outcomes: {{math_ss: {long_name}}}\n",
        encoding="utf-8",
    )
    unicode_header = [
        "código_escuela",
        "distrito",
        "año_escolar",
        "primer_año_subvención",
        "activo",
        "puntuación_matemáticas",
        "読解",
        "matrícula",
        "peso",
    ]
    write("unicode_names.csv", to_csv(unicode_header, rows))

    # -- values ---------------------------------------------------------------------------
    write("duplicate_rows.csv", to_csv(HEADER, rows + [rows[5]]))
    write(
        "text_in_numeric.csv",
        to_csv(
            HEADER,
            variant(
                a=setcol("math_ss", lambda i, r: "pending" if i in (3, 7) else r[col("math_ss")])
            ),
        ),
    )
    markers = [
        "*",
        "<10",
        "n<10",
        "PS",
        "N/A",
        "--",
        ".",
        "-1",
        "-2",
        "-9",
        "GE50",
        "<5%",
        ">95%",
        "11-17",
        "",
        "***",
        "n/a",
        "1,234",
    ]
    write(
        "markers.csv",
        to_csv(
            HEADER,
            variant(
                a=setcol(
                    "math_ss", lambda i, r: markers[i] if i < len(markers) else r[col("math_ss")]
                )
            ),
        ),
    )
    write(
        "all_suppressed.csv",
        to_csv(
            HEADER, variant(a=setcol("reading_ss", lambda i, r: ["*", "<10", "PS", "n<10"][i % 4]))
        ),
    )
    write(
        "extreme_value.csv",
        to_csv(
            HEADER,
            variant(a=setcol("math_ss", lambda i, r: "1e300" if i == 9 else r[col("math_ss")])),
        ),
    )
    write(
        "missing_id.csv",
        to_csv(HEADER, variant(a=setcol("school_id", lambda i, r: "" if i == 4 else r[0]))),
    )
    write(
        "text_year.csv",
        to_csv(
            HEADER,
            variant(
                a=setcol("school_year", lambda i, r: "Fall" if i == 2 else r[col("school_year")])
            ),
        ),
    )
    write(
        "fractional_year.csv",
        to_csv(
            HEADER,
            variant(
                a=setcol("school_year", lambda i, r: "2017.5" if i == 2 else r[col("school_year")])
            ),
        ),
    )

    # -- treatment timing -----------------------------------------------------------------
    write(
        "cohort_outside.csv",
        to_csv(
            HEADER,
            variant(
                a=setcol("first_grant_year", lambda i, r: "2030" if r[0] == "0200004" else r[3])
            ),
        ),
    )
    write(
        "cohort_varies.csv",
        to_csv(
            HEADER, variant(a=setcol("first_grant_year", lambda i, r: "2019" if i == 5 else r[3]))
        ),
    )
    switch = variant(
        a=setcol("grant_active", lambda i, r: "0" if r[0] == "0100002" and r[2] == "2019" else r[4])
    )
    write("switch_off.csv", to_csv(HEADER, switch))
    write(
        "treatment_not_01.csv",
        to_csv(
            HEADER, variant(a=setcol("grant_active", lambda i, r: "yes" if r[4] == "1" else r[4]))
        ),
    )
    write(
        "treatment_codes.csv",
        to_csv(
            HEADER, variant(a=setcol("grant_active", lambda i, r: "2" if r[4] == "1" else r[4]))
        ),
    )
    write(
        "all_treated_first.csv",
        to_csv(HEADER, variant(a=setcol("first_grant_year", lambda i, r: "2016"))),
    )
    write(
        "single_cohort.csv",
        to_csv(
            HEADER,
            variant(a=setcol("first_grant_year", lambda i, r: "2018" if r[3] != "0" else "0")),
        ),
    )
    write("single_period.csv", to_csv(HEADER, [r for r in rows if r[2] == "2019"]))

    # -- clusters and weights -------------------------------------------------------------
    write("one_cluster.csv", to_csv(HEADER, variant(a=setcol("district_id", lambda i, r: "01"))))
    write(
        "cluster_per_unit.csv",
        to_csv(HEADER, variant(a=setcol("district_id", lambda i, r: r[0][-2:]))),
    )
    write(
        "nan_cluster.csv",
        to_csv(HEADER, variant(a=setcol("district_id", lambda i, r: "" if i == 6 else r[1]))),
    )
    write(
        "zero_weight.csv",
        to_csv(HEADER, variant(a=setcol("w", lambda i, r: "0" if i == 3 else r[-1]))),
    )
    write(
        "negative_weight.csv",
        to_csv(HEADER, variant(a=setcol("w", lambda i, r: "-2.5" if i in (1, 8) else r[-1]))),
    )
    write_ingredient_files()


#: A small ingredients file (template columns) and its bad variants.
INGREDIENT_HEADER = [
    "ingredient",
    "category",
    "quantity",
    "scale",
    "price",
    "price_year",
    "benefits_rate",
]
INGREDIENT_ROWS = [
    ["Coach", "personnel", "1", "site", "60000", "2023", "0.3"],
    ["Teacher time", "training", "40", "site", "40", "2023", "0.3"],
    ["Workbooks", "materials", "1", "student", "15", "2023", ""],
]


def write_ingredient_files() -> None:
    """Ingredients files for the cost workbook's bad-input cases."""
    rows = [list(r) for r in INGREDIENT_ROWS]
    no_price = [r if i != 1 else [*r[:4], "", *r[5:]] for i, r in enumerate(rows)]
    write("ingredients_no_price.csv", to_csv(INGREDIENT_HEADER, no_price))
    old = [r if i != 2 else [*r[:5], "1990", r[6]] for i, r in enumerate(rows)]
    write("ingredients_year_not_in_index.csv", to_csv(INGREDIENT_HEADER, old))
    percent = [r if i != 0 else [*r[:6], "30"] for i, r in enumerate(rows)]
    write("ingredients_benefits_percent.csv", to_csv(INGREDIENT_HEADER, percent))
    write("ingredients_good.csv", to_csv(INGREDIENT_HEADER, rows))


if __name__ == "__main__":
    main()
