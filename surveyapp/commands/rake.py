"""``surveyapp rake FILE --margins MARGINS.csv -o OUT.csv``: weight respondents to population shares.

Works on files alone (no database). The raking itself is :mod:`surveyapp.analysis.weighting`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click


def read_margins(path: Path) -> dict[str, dict[str, float]]:
    """MARGINS.csv (``variable,category,share``; semicolons and decimal commas accepted)."""
    import pandas as pd

    from ..analysis.weighting import margins_from_frame

    try:
        frame = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig",
                            keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise click.ClickException(f"Cannot read {path.name}: {str(error).splitlines()[0]}") from None
    return margins_from_frame(frame, source=path.name)


def parse_trim(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise click.ClickException(f"--trim {text}: give LOW,HIGH, e.g. --trim 0.3,3") from None
    if not 0 <= low < 1 < high:
        raise click.ClickException(f"--trim {text}: LOW must be below 1 and HIGH above 1 (weights have mean 1)")
    return low, high


def format_result(result, table, output) -> str:
    lines = [
        f"Raked {len(result.weights)} respondents to {table['variable'].nunique()} variable(s); wrote {output}",
        f"design effect {result.design_effect:.4f}   effective n {result.effective_n:.1f}   "
        f"weights {result.weights.min():.3f} to {result.weights.max():.3f} (mean 1)",
        f"converged: {'yes' if result.converged else 'no'} after {result.iterations} iteration(s); "
        f"largest margin error {result.max_margin_error:.2e}",
        "",
        table.to_string(index=False, float_format="{:.4f}".format),
    ]
    if not result.converged:
        lines.append("Warning: the weights do not meet every margin (see the weighted column); "
                     "loosen --trim or merge small categories.")
    return "\n".join(lines)


@click.command("rake")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--margins", "margins_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with the columns variable,category,share (the shares of each variable sum to 1).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write FILE with a weight column added (CSV).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--trim", default=None, help="Keep weights within LOW,HIGH (mean 1), e.g. 0.3,3. Default: no trimming.")
def rake(file, margins_path, output, fmt, trim):
    """Weight the respondents in FILE (CSV or XLSX) to known population shares by raking.

    Writes FILE with a ``weight`` column (mean 1), rows in the same order, and reports the
    design effect and effective sample size.
    """
    from ..analysis.weighting import RakingError, margin_table
    from ..analysis.weighting import rake as rake_frame
    from ..tabular import TabularFileError, read_columns, read_header

    for path in (file, margins_path):
        if not path.is_file():
            raise click.ClickException(f"{path} does not exist")
    bounds = parse_trim(trim)
    try:
        margins = read_margins(margins_path)
        try:
            frame = read_columns(file, read_header(file))
        except TabularFileError as error:
            raise click.ClickException(str(error)) from None
        except Exception as error:  # CSV parser, openpyxl and zipfile raise their own kinds
            raise click.ClickException(f"Cannot read {file.name}: {str(error).splitlines()[0]}") from None
        result = rake_frame(frame, margins, trim=bounds, source=file.name)
    except RakingError as error:
        raise click.ClickException(str(error)) from None
    if "weight" in frame.columns:
        click.echo(f"note: the existing 'weight' column of {file.name} is replaced", err=True)
    out = frame.assign(weight=result.weights.to_numpy())
    try:
        out.to_csv(output, index=False)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error}") from None
    table = margin_table(frame, result.weights, margins)
    if fmt == "json":
        click.echo(json.dumps({**result.summary(), "output": str(output),
                               "margins": table.to_dict(orient="records")}, indent=2))
    else:
        click.echo(format_result(result, table, output))
