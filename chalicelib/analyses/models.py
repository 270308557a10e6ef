"""The analysis models: starting one, the analysis and its ranking as answered, its bed-net (ITN)
plans (see chalicelib/models.py for why models live apart from the services)."""
from datetime import datetime
from types import MappingProxyType
from typing import Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.analyses import RANKINGS_MAX_PAGE, RANKINGS_PAGE
from chalicelib.datasets.models import ComputeTpr
from chalicelib.models import Page, PageQuery, ResponseBody, Url
from chalicelib.nigeria import STATE_CODES, STATES
from chalicelib.storage.analyses import FAILED, QUEUED, RUNNING, SUCCEEDED

STATE_BY_NAME = MappingProxyType({name.lower(): code for code, name in STATES})


class CreateAnalysis(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True)
    dataset_id: str = Field(min_length=1, max_length=64)
    method: Literal['composite', 'pca', 'both'] = 'both'
    variables: Optional[List[str]] = Field(default=None, min_length=1, max_length=10)
    directions: Optional[Dict[str, Literal['direct', 'inverse']]] = None
    preset: Literal['default', 'mrpt-legacy'] = 'default'
    state: Optional[str] = None
    offline: bool = False  # interactive maps embed plotly.js (the report is static and needs none)
    tpr: Optional[ComputeTpr] = None  # the ward TPR options this analysis ranks with

    @field_validator('state')
    @classmethod
    def _state_code(cls, value):
        """A state code or name, kept as its two-letter code."""
        if value is None:
            return None
        code = value.strip().upper()
        code = code if code in STATE_CODES else STATE_BY_NAME.get(value.strip().lower())
        if code is None:
            raise ValueError('not a Nigerian state: use its two-letter code (e.g. NI) or name')
        return code


class AnalysisQueued(ResponseBody):
    """Queued."""
    analysis_id: str
    status: Literal[QUEUED]


class Analysis(ResponseBody):
    """The analysis."""
    analysis_id: str
    dataset_id: str
    status: Literal[QUEUED, RUNNING, SUCCEEDED, FAILED]
    stage: Optional[str]
    progress: int = Field(ge=0, le=100)
    error: Optional[str]
    request: CreateAnalysis
    created_at: datetime
    updated_at: datetime
    artifacts: List[str] = Field(description='Names for GET /analyses/{analysis_id}/artifacts/{name}.')


class AnalysisPage(Page[Analysis]):
    """One page."""


Category = Literal['High', 'Medium', 'Low']


class RankSpread(ResponseBody):
    min: int
    p10: float
    p90: float
    max: int


class Ranking(ResponseBody):
    """One ward; the composite fields are null when only PCA ran, the PCA ones when it did not."""
    ward_code: Optional[str]
    ward_name: str
    lga: Optional[str]
    composite_score: Optional[float]
    composite_rank: Optional[int]
    composite_category: Optional[Category]
    pca_score: Optional[float]
    pca_rank: Optional[int]
    pca_category: Optional[Category]
    rank_spread: Optional[RankSpread] = Field(
        description="Min, 10th and 90th percentile and max of the ward's rank across the composite models.")
    imputed: List[str] = Field(description='The variables filled in for this ward.')
    urban_percentage: Optional[float] = Field(None, description='How urban the ward is (0..100), when known.')


class RankingPage(Page[Ranking]):
    """One page."""


class RankingQuery(PageQuery):
    limit: int = Field(RANKINGS_PAGE, ge=1, le=RANKINGS_MAX_PAGE,
                       description=f'Wards per page (1..{RANKINGS_MAX_PAGE}, default {RANKINGS_PAGE}).')


class Download(ResponseBody):
    """The link."""
    url: Url
    expires_at: datetime


class CreateItnPlan(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True)
    total_nets: int = Field(ge=0, le=1_000_000_000)
    household_size: float = Field(default=5, gt=0, le=100)
    urban_threshold: float = Field(default=75, ge=0, le=100)
    method: Literal['composite', 'pca'] = 'composite'


class ItnPlanRow(ResponseBody):
    ward_code: str
    ward_name: Optional[str]
    lga: Optional[str]
    rank: int
    population: Optional[float]
    urban_percentage: Optional[float]
    tier: Literal['rural', 'urban']
    nets_needed: Optional[int]
    nets_allocated: int
    people_covered: float
    coverage_percent: Optional[float]
    phase: Literal['rural_full', 'rural_partial', 'urban_full', 'urban_partial', 'none']


class ItnPlanTotals(ResponseBody):
    nets_total: int
    nets_used: int
    nets_left: int
    nets_needed: int
    people_covered: float
    population_planned: float
    coverage_percent: float
    wards_covered: Dict[str, int]
    wards_partial: Dict[str, int]
    wards_without_nets: int
    wards_unplanned: int


class ItnPlanFacts(ResponseBody):
    """What a plan and its summary in the list share."""
    plan_id: str
    created_at: datetime
    method: Literal['composite', 'pca']
    preset: Literal['default', 'mrpt-legacy']
    household_size: float
    urban_threshold: float
    totals: ItnPlanTotals
    artifacts: List[str] = Field(description=(
        'Names for GET /analyses/{analysis_id}/artifacts/{name}: the plan as JSON, CSV and XLSX '
        '(itn-plan-{plan_id}.*) and its coverage map (itn-coverage-{plan_id}.html).'))


class ItnPlan(ItnPlanFacts):
    """The plan, stored under the analysis."""
    rows: List[ItnPlanRow]
    warnings: List[str]


class ItnPlanSummary(ItnPlanFacts):
    total_nets: int


class ItnPlanList(ResponseBody):
    """The plans."""
    items: List[ItnPlanSummary]
