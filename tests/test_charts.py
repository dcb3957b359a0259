"""The chart geometry (console/charts.py): round axis steps, formatted labels, a line that breaks
where a day is unknown, bars whose heights are proportional to their values."""

from __future__ import annotations

import datetime as dt

import pytest

from console import charts

DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=offset) for offset in range(5)]


def test_numbers_are_written_with_thousands_separators():
    assert [charts.number(value) for value in (0, 999, 1200, 1_234_567, None)] == [
        "0",
        "999",
        "1,200",
        "1,234,567",
        "unknown",
    ]


@pytest.mark.parametrize(
    ("peak", "top", "step"), [(0, 4, 1), (3, 3, 1), (10, 10, 5), (1200, 1500, 500), (2400, 3000, 1000)]
)
def test_the_axis_ends_on_a_round_step_at_or_above_the_peak(peak, top, step):
    assert charts.nice_top(peak) == (top, step)


def test_axis_steps_are_one_two_or_five_times_a_power_of_ten():
    for peak in (7, 45, 130, 999, 12_345, 9_800_000):
        top, step = charts.nice_top(peak)
        assert int(str(step).rstrip("0") or "0") in (1, 2, 5), (peak, step)
        assert top >= peak > top - step


def test_the_y_axis_is_labelled_with_formatted_numbers_from_zero():
    chart = charts.line_chart(DAYS, [1000, 1500, 2000, 2500, 3000])

    labels = [tick.label for tick in chart.frame.y_ticks]
    assert labels[0] == "0"
    assert labels[-1] == "3,000"
    assert all("," in label for label in labels[1:] if len(label) > 3)


def test_the_x_axis_is_labelled_with_dates_ending_on_the_last_day():
    chart = charts.line_chart(DAYS, [1, 2, 3, 4, 5])

    assert chart.frame.x_ticks[-1].label == "Mar 5"
    assert all(tick.label.startswith("Mar ") for tick in chart.frame.x_ticks)


def test_a_line_breaks_where_a_day_is_unknown():
    chart = charts.line_chart(DAYS, [10, 20, None, 30, 40])

    assert chart.line_path.count("M") == 2
    assert [point.value for point in chart.points] == [10, 20, 30, 40]
    assert chart.area_path.count("Z") == 2


def test_higher_values_are_drawn_higher():
    chart = charts.line_chart(DAYS, [0, 10, 20, 30, 40])

    ys = [point.y for point in chart.points]
    assert ys == sorted(ys, reverse=True)
    assert ys[0] == chart.frame.bottom


def test_stacked_bars_stack_their_series_in_proportion():
    chart = charts.stacked_bars(DAYS[:2], [("Guests", [10, 30]), ("Signed in", [30, 10])])

    first, second = chart.bars
    assert first.total == second.total == 40
    guests, signed_in = first.segments
    assert signed_in.y + signed_in.height == pytest.approx(guests.y, abs=0.1)
    assert signed_in.height == pytest.approx(3 * guests.height, abs=0.2)
    assert guests.y + guests.height == pytest.approx(chart.frame.bottom, abs=0.1)
    assert (guests.name, signed_in.name, first.label) == ("Guests", "Signed in", "40")


def test_diverging_bars_go_up_and_down_from_one_zero_line():
    chart = charts.diverging_bars(DAYS[:3], [10, 0, 5], [0, 5, 5])

    assert all(bar.up.y + bar.up.height == pytest.approx(chart.zero, abs=0.1) for bar in chart.bars)
    assert all(bar.down.y == chart.zero for bar in chart.bars)
    assert chart.bars[0].up.height == pytest.approx(2 * chart.bars[2].up.height, abs=0.2)
    assert chart.bars[1].down.height == pytest.approx(chart.bars[2].down.height, abs=0.1)
    assert [tick.label for tick in chart.frame.y_ticks].count("0") == 1


def test_every_coordinate_stays_inside_the_view_box():
    chart = charts.diverging_bars(DAYS, [5, 99, 3, 0, 1], [1, 0, 70, 2, 0])

    for bar in chart.bars:
        assert 0 <= bar.x and bar.x + bar.width <= charts.WIDTH
        assert charts.TOP - 0.1 <= bar.up.y and bar.down.y + bar.down.height <= chart.frame.bottom + 0.1
