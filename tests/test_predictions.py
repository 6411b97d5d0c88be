"""docs/predictions.md and docs/predictions.csv are what the model predicts now."""

from __future__ import annotations

import io

import pandas as pd

from sim.analysis import predictions


def test_prediction_table_is_in_step_with_the_model():
    df = predictions.table()
    on_disk = pd.read_csv(io.StringIO(predictions.CSV_FILE.read_text(encoding="utf-8")))
    pd.testing.assert_frame_equal(on_disk, df, check_dtype=False)
    assert predictions.MD_FILE.read_text(encoding="utf-8") == predictions.markdown(df), \
        "docs/predictions.md is stale: run python -m sim.analysis.predictions"


def test_no_state_whose_stance_is_an_input_is_predicted():
    df = pd.read_csv(predictions.CSV_FILE)
    assert not set(df["state"]) & {"GB", "FR", "DE", "IT", "ES", "PL"}
    assert set(df["scenario"]) == set(predictions.SCENARIOS)
    assert ((df["ground_lo"] <= df["p_ground"]) & (df["p_ground"] <= df["ground_hi"])).all()
