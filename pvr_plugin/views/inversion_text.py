"""Plain-language summary of an :class:`~pvr_plugin.core.inversion.InversionResult`.

Strings only (no printing): the command line prints them, the app puts them in
the page. Returns are fractions in the result and shown here as percent.
"""
import math

import pandas as pd

#: Significance level for the verdicts in the text.
ALPHA = 0.05


def _pct(x, digits=2):
    return "n/a" if x is None or _nan(x) else f"{100.0 * x:.{digits}f}%"


def _num(x, fmt=".2f"):
    return "n/a" if x is None or _nan(x) else format(x, fmt)


def _periods(n):
    return f"{n} period" if n == 1 else f"{n} periods"


def _nan(x):
    return isinstance(x, float) and math.isnan(x)


def _day(ts):
    if ts is None or ts is pd.NaT or pd.isna(ts):
        return "the start"
    ts = pd.Timestamp(ts)
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def _frequency(result):
    source = result.periods_per_year_source
    if source.startswith("inferred (") and "unknown" not in source:
        return source[len("inferred ("):-1] + " "
    return ""


def summary_lines(result):
    """The summary as a list of sentences, one per line.

    Parameters
    ----------
    result : pvr_plugin.core.inversion.InversionResult

    Returns
    -------
    list of str
    """
    r = result
    span = f"{r.periods} {_frequency(r)}period{'s' if r.periods != 1 else ''}"
    lines = [
        f"Factor inversion of {r.source}: {r.top} (bucket {r.top_bucket} of {r.buckets}) minus "
        f"{r.bottom} (bucket {r.bottom_bucket}), {span} from "
        f"{_day(r.start)} to {_day(r.end)}; values read as {r.units} ({r.units_source}).",
        f"Inversions: {r.inversions} of {_periods(r.periods_used)} ({_pct(r.inversion_rate, 1)}) "
        f"had {r.bottom} beating {r.top}.",
    ]
    if r.skipped_periods:
        lines.append(f"Skipped: {_periods(r.skipped_periods)} without both returns.")
    longest, deepest = r.longest_episode(), r.deepest_episode()
    if longest is None:
        lines.append("No inversion episodes.")
    else:
        lines.append(
            f"Longest inversion: {_periods(longest['length'])}, {longest['start']} to "
            f"{longest['end']} (mean spread {_pct(longest['mean_spread'])} a period)."
        )
        lines.append(
            f"Deepest inversion: {_pct(deepest['min_spread'])} in one period, in the episode "
            f"{deepest['start']} to {deepest['end']} ({_periods(deepest['length'])})."
        )
    lines.append(_drawdown_sentence(r))
    lines.append(_significance_sentence(r))
    lines.append(_runs_sentence(r))
    ab = r.all_bucket
    lines.append(
        f"All {r.buckets} buckets: mean rank correlation of bucket number with return "
        f"{_num(ab.rank_corr_mean)} (t = {_num(ab.rank_corr_t)}); fitted top-minus-bottom "
        f"spread {_pct(ab.slope_spread)} a period"
        + (f" ({_periods(ab.skipped_periods)} with an empty bucket skipped)." if ab.skipped_periods
           else ".")
    )
    for note in r.notes:
        if not note.startswith("values read as"):
            lines.append(f"Note: {note}.")
    return lines


def episodes_csv_text(result):
    """The episode table as CSV text: ISO dates, spreads as fractions."""
    table = result.episodes.copy()
    for column in ("start", "end"):
        table[column] = [_day(ts) for ts in table[column]]
    return table.to_csv(index=False, lineterminator="\n", float_format="%.10g")


def p_text(p):
    """A p-value as text: ``p < 0.001`` below a thousandth, else ``p = 0.123``; ``p = n/a`` when undefined."""
    if _nan(p):
        return "p = n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def curve_word(result):
    """How the cumulative curve was made: ``summed`` or ``compounded``."""
    return "compounded" if result.cumulative_kind == "compound" else "summed"


def summary_text(result):
    """:func:`summary_lines` joined with newlines."""
    return "\n".join(summary_lines(result))


def _drawdown_sentence(r):
    if r.drawdowns.empty:
        return "The cumulative top-minus-bottom spread never fell below a previous high."
    worst = r.worst_drawdowns(1).iloc[0]
    peak = "the start" if pd.isna(worst["peak"]) or worst["peak"] == r.cumulative.index[0] else _day(worst["peak"])
    text = (f"Worst drawdown of the cumulative ({curve_word(r)}) spread: {_pct(worst['depth'])} from "
            f"{peak} to {_day(worst['trough'])} ({_periods(worst['periods_to_trough'])})")
    if pd.isna(worst["recovery"]):
        return text + ", not yet recovered."
    return (text + f", recovered on {_day(worst['recovery'])}, "
            f"{_periods(worst['periods_to_recover'])} after the trough.")


def _significance_sentence(r):
    s = r.significance
    if _nan(s.p_value):
        verdict = f"significance cannot be computed ({s.note or 'fewer than two periods'})"
    elif s.p_value < ALPHA:
        side = r.top if s.mean_spread > 0 else r.bottom
        verdict = f"significant at the {ALPHA:.0%} level, in favour of {side}"
    else:
        verdict = f"not significant at the {ALPHA:.0%} level"
    ir = (f"information ratio {_num(s.information_ratio)} a year"
          if not _nan(s.information_ratio) else "information ratio n/a")
    return (f"Mean spread {_pct(s.mean_spread)} a period (Newey-West t = {_num(s.t_stat)}, "
            f"{p_text(s.p_value)}): {verdict}. Hit rate {_pct(s.hit_rate, 1)}; {ir}.")


def _runs_sentence(r):
    t = r.runs_test
    if _nan(t.p_value):
        return ("Runs test: not defined here (needs both inverted and normal periods); "
                f"{t.runs} run{'s' if t.runs != 1 else ''}.")
    head = (f"Runs test: {t.runs} runs against {t.expected_runs:.1f} expected "
            f"(z = {t.z:.2f}, {p_text(t.p_value)}): ")
    if t.p_value >= ALPHA:
        return head + "inversions come and go like chance (no evidence of clustering)."
    if t.z < 0:
        return head + "inversions cluster: fewer, longer runs than chance."
    return head + "inversions alternate more often than chance."
