"""The dataset models: creating one, the dataset as answered, its ward TPR (see chalicelib/models.py
for why models live apart from the services)."""
from datetime import datetime
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.analysis.tpr_options import AGES, LEVELS, TESTS
from chalicelib.datasets import EXTENSIONS
from chalicelib.models import Page, ResponseBody, Url
from chalicelib.storage.datasets import AWAITING_UPLOAD, INVALID, PROCESSING, READY


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True)
    role: Literal[tuple(EXTENSIONS)]
    filename: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=1)


class CreateDataset(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True, str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    files: List[UploadRequest] = Field(min_length=1, max_length=len(EXTENSIONS))


class RenewUploads(BaseModel):
    """The files to send again, as declared now (each one of the dataset's files not yet arrived)."""
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True)
    files: List[UploadRequest] = Field(min_length=1, max_length=len(EXTENSIONS))


class Upload(ResponseBody):
    role: Literal[tuple(EXTENSIONS)]
    url: Url
    fields: Dict[str, str]
    expires_at: datetime


class DatasetCreated(ResponseBody):
    """Created; upload each file to its url with its fields. Once they are checked, each of your
    WebSocket connections receives {"type": "dataset", "dataset_id", "status"} (READY or INVALID):
    GET the dataset for the rest (or poll it)."""
    dataset_id: str
    status: Literal[AWAITING_UPLOAD]
    uploads: List[Upload]


class UploadsRenewed(DatasetCreated):
    """New links for the named files, to the same keys; upload each file to its url with its fields."""


class Issue(ResponseBody):
    code: str
    message: str
    file: Optional[str]
    row: Optional[int]
    column: Optional[str]


class Variable(ResponseBody):
    name: str
    missing: int
    min: Optional[float]
    max: Optional[float]
    direction: Literal['direct', 'inverse']


class UnmatchedWard(ResponseBody):
    ward_name: str
    reason: str


class DatasetSummary(ResponseBody):
    wards: int
    matched: Dict[str, int]
    unmatched: int
    unmatched_wards: List[UnmatchedWard] = Field(None, description=(
        "The data rows that matched no boundary ward (the first 100; the analysis's match_report.json has them "
        'all), with why: no_candidate, tie, below_threshold, best_match_taken or claimed_by_several_rows. A dataset '
        'where under half of the rows match is INVALID (too_few_matched, or no_matches when none does).'))
    boundaries_without_data: int = Field(None, description='Boundary wards no data row matched.')
    state: Optional[str]
    variables: List[Variable]


class FileState(ResponseBody):
    filename: str
    size: int
    uploaded: bool


class ComputeTpr(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, defer_build=True)
    age: Literal[AGES] = 'all'
    test: Literal[TESTS] = 'both'
    level: Literal[LEVELS] = 'all'
    period_from: Optional[str] = Field(default=None, min_length=1, max_length=32)
    period_to: Optional[str] = Field(default=None, min_length=1, max_length=32)

    @field_validator('period_from', 'period_to')
    @classmethod
    def _period(cls, value, info):
        """Checked when asked (POST /datasets/{id}/tpr or an analysis's `tpr`), not when the export is read."""
        if value is not None:
            from chalicelib.analysis.errors import DataError
            from chalicelib.analysis.periods import parse_period
            try:
                period = parse_period(value, info.field_name)
            except DataError as error:
                raise ValueError(error.message) from None
            start = info.data.get('period_from')
            if info.field_name == 'period_to' and start and parse_period(start).first > period.last:
                raise ValueError(f'the period range starts ({start}) after it ends ({value})')
        return value


class WardTpr(ResponseBody):
    """A ward without reports has tpr null (never 0)."""
    ward_code: Optional[str]
    ward_name: Optional[str]
    lga: Optional[str]
    tpr: Optional[float]
    positives: Optional[int]
    tested: Optional[int]
    facilities: Optional[int]
    periods: int
    method: Optional[Literal['rdt', 'microscopy']]


class TprSummary(ResponseBody):
    """What a ward TPR is, on the dataset and in the answer that computed it."""
    column: Literal['u5_tpr_rdt', 'tpr'] = Field(
        description='The variable the ward TPR became in the dataset (u5_tpr_rdt for age u5 and test rdt).')
    options: ComputeTpr
    wards_total: int
    wards_with_tpr: int
    wards_without_tpr: int
    flagged_rows: int
    warnings: List[str] = Field(
        description='Header repairs and what was left out, also added to the dataset warnings.')


class DatasetTpr(TprSummary):
    computed_at: datetime


class TprResult(TprSummary):
    """The ward TPR table and what was repaired or left out."""
    dataset_id: str
    wards: List[WardTpr]
    flagged: List[Dict[str, Any]] = Field(
        description='Report cells with more positives than tests (kept, listed here).')
    series_url: Url = Field(description='A presigned GET (5 minutes) of the per-period series CSV: '
                                           'ward, period, TPR, positives, tested, method.')
    series_expires_at: datetime


class Dataset(ResponseBody):
    """The dataset."""
    dataset_id: str
    name: str
    status: Literal[AWAITING_UPLOAD, PROCESSING, READY, INVALID]
    errors: List[Issue]
    warnings: List[str] = Field(
        description='Sentences a programme officer reads: what was repaired, dropped or assumed.')
    files: Dict[str, FileState]
    summary: DatasetSummary = Field(None, description='When READY.')
    created_at: datetime
    updated_at: datetime
    tpr: DatasetTpr = Field(None, description=(
        'The ward TPR in use (POST /datasets/{dataset_id}/tpr, or computed with the default options after upload): '
        'its column, options, ward counts and header repairs.'))


class DatasetPage(Page[Dataset]):
    """One page."""
