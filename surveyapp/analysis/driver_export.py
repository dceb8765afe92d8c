"""A driver analysis result as a plain-text table for the terminal and as an xlsx workbook."""

from __future__ import annotations

TABLE_COLUMNS = (
    ("beta", "beta", "{:.3f}"),
    ("beta_std", "beta std", "{:.3f}"),
    ("se", "HC3 se", "{:.3f}"),
    ("p", "p", None),
    ("vif", "VIF", "{:.2f}"),
    ("lmg", "LMG", "{:.4f}"),
    ("lmg_share", "LMG %", "{:.1%}"),
    ("relative_weight", "RW", "{:.4f}"),
    ("relative_weight_share", "RW %", "{:.1%}"),
    ("mean", "mean", "{:.2f}"),
)


def _format_p(value):
    if value != value:  # NaN
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def format_table(result):
    """The result as a plain-text table for the terminal."""
    boot = result.n_boot > 0
    header = ["driver", *(label for _, label, _ in TABLE_COLUMNS)]
    if boot:
        header += [f"LMG {result.conf_level:.0%} CI", f"RW {result.conf_level:.0%} CI"]
    rows = []
    for name, row in result.table.iterrows():
        cells = [str(name)]
        for key, _, fmt in TABLE_COLUMNS:
            value = row[key]
            cells.append(_format_p(value) if fmt is None else ("-" if value != value else fmt.format(value)))
        if boot:
            for key in ("lmg", "relative_weight"):
                cells.append(f"[{row[f'{key}_ci_low']:.4f}, {row[f'{key}_ci_high']:.4f}]")
        rows.append(cells)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    weighted = f", weighted by '{result.weights}'" if result.weights else ""
    lines = [
        f"Driver analysis of '{result.outcome}'{weighted}",
        f"n = {result.n} ({result.n_dropped} dropped for missing values)   "
        f"R² = {result.r2:.4f}   adjusted R² = {result.adj_r2:.4f}   intercept = {result.intercept:.4f}",
        "",
        line(header),
        line(["-" * w for w in widths]),
        *(line(r) for r in rows),
        "",
        "beta: unstandardized coefficient; HC3 se: heteroskedasticity-robust standard error;",
        "LMG / RW: Shapley (LMG) and Johnson's relative weights in units of R² (% = share of R²).",
    ]
    if boot:
        lines.append(f"CI: percentile bootstrap, {result.n_boot} resamples, seed {result.seed}.")
    lines += [f"Warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def write_workbook(result, path):
    """Write the result to an xlsx workbook with sheets "drivers" and "model summary"."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "drivers"
    table = result.table.reset_index()
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([None if (isinstance(v, float) and v != v) else v for v in row])
    summary = workbook.create_sheet("model summary")
    data = result.to_dict()
    summary.append(["statistic", "value"])
    for key in (
        "outcome",
        "n",
        "n_dropped",
        "r2",
        "adj_r2",
        "intercept",
        "intercept_se",
        "weights",
        "n_boot",
        "seed",
        "conf_level",
    ):
        summary.append([key, data[key]])
    if data["r2_ci"] is not None:
        summary.append(["r2_ci_low", data["r2_ci"][0]])
        summary.append(["r2_ci_high", data["r2_ci"][1]])
    for warning in data["warnings"]:
        summary.append(["warning", warning])
    workbook.save(path)
