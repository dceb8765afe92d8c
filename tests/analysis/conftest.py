from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def swiss():
    return pd.read_csv(DATA / "swiss.csv", index_col=0)


@pytest.fixture(scope="session")
def mtcars():
    return pd.read_csv(DATA / "mtcars.csv", index_col=0)


@pytest.fixture(scope="session")
def mediation():
    return pd.read_csv(DATA / "mediation.csv")
