"""The parts of an analysis result that maps, charts and reports read.

The engine's `AnalysisResult.to_dict()` is the one input of drawing and
reporting; this module is the single place that knows its key names, so the
figure and report code works on plain named fields.

Wards are keyed by their data row (`w12`), boundaries without data by their
feature (`b3`): ward codes can be missing or repeated in a user's file, and a
key built by the service never carries a user's text into a map's ids.
"""
from dataclasses import dataclass
from types import MappingProxyType

EMPTY = MappingProxyType({})
SPREAD_KEYS = ('min', 'p10', 'p90', 'max')


@dataclass(frozen=True)
class Ward:
    """One ranked ward: the rankings item of the API contract plus its map key."""
    key: str
    code: str
    name: str
    lga: str
    composite_score: float
    composite_rank: int
    composite_category: str
    pca_score: float
    pca_rank: int
    pca_category: str
    spread: tuple  # (min, p10, p90, max) rank across the composite models, or Nones
    imputed: tuple
    urban_percentage: float


@dataclass(frozen=True)
class Boundary:
    """One display polygon: its key, label and GeoJSON geometry."""
    key: str
    code: str
    name: str
    lga: str
    geometry: dict  # GeoJSON geometry as the engine gave it


@dataclass(frozen=True)
class Variable:
    name: str
    direction: str
    raw: MappingProxyType  # ward key -> value in the data (None where it was missing)
    value: MappingProxyType  # ward key -> value used (gaps filled)
    normalised: MappingProxyType  # ward key -> 0..1 risk score
    filled_from: MappingProxyType  # ward key -> where a missing value was filled from ('neighbours', 'column_mean')


@dataclass(frozen=True)
class ResultView:
    wards: tuple  # Ward, in rank order
    variables: tuple  # Variable, in selection order
    boundaries: tuple  # Boundary, in the boundary file's order
    pca_ran: bool
    result: MappingProxyType  # the whole result, for the report's tables

    @property
    def primary_method(self):
        """The ranking the wards are ordered by: the composite when it ran, else PCA."""
        return 'composite' if any(w.composite_rank is not None for w in self.wards) else 'pca'

    @property
    def has_spread(self):
        return any(None not in w.spread for w in self.wards)

    @property
    def has_urban(self):
        return any(w.urban_percentage is not None for w in self.wards)

    def lga_of_keys(self):
        """Map key -> LGA: the boundary's own, else the matched data row's (for LGA outlines)."""
        of_ward = {w.key: w.lga for w in self.wards}
        return {b.key: b.lga or of_ward.get(b.key, '') for b in self.boundaries}

    def labels(self, keys):
        """[ward name, LGA] for each key (boundaries without data carry their own)."""
        known = {w.key: (w.name, w.lga) for w in self.wards}
        known.update({b.key: (b.name, b.lga) for b in self.boundaries if b.key not in known})
        return [list(known.get(k, ('', ''))) for k in keys]


def _text(value):
    return '' if value is None else str(value)


def _identity(record):
    return (record.get('ward_code'), record.get('ward_name'))


def _per_ward(ward_values, kind, name):
    """ward key -> one variable's value of one kind ('raw', 'value' or 'normalised')."""
    return MappingProxyType({f'w{r["row"]}': (r.get(kind) or EMPTY).get(name) for r in ward_values})


def _row_finder(ward_values, features):
    """A function giving each rankings item its data row, each row at most once.

    Rankings items carry no row: it is found by ward code and name, and among
    wards sharing both, by the LGA of the boundary the row matched.
    """
    rows = {}
    for record in ward_values:
        rows.setdefault(_identity(record), []).append(record['row'])
    lga_of_row = {}
    for feature in features:
        props = feature.get('properties') or EMPTY
        if props.get('row') is not None:
            lga_of_row[props['row']] = props.get('lga')

    def row_of(item):
        candidates = rows.get(_identity(item)) or []
        for i, row in enumerate(candidates):
            if row in lga_of_row and lga_of_row[row] == item.get('lga'):
                return candidates.pop(i)
        return candidates.pop(0) if candidates else None
    return row_of


def from_result(result):
    """Read the engine's result dict into the named fields drawing needs."""
    features = (result.get('geojson') or EMPTY).get('features') or ()
    ward_values = result.get('ward_values') or ()
    row_of = _row_finder(ward_values, features)
    wards = []
    for index, item in enumerate(result.get('rankings') or ()):
        row = row_of(item)
        spread = item.get('rank_spread') or EMPTY
        wards.append(Ward(
            key=f'w{row}' if row is not None else f'r{index}', code=_text(item.get('ward_code')),
            name=_text(item.get('ward_name')), lga=_text(item.get('lga')),
            composite_score=item.get('composite_score'), composite_rank=item.get('composite_rank'),
            composite_category=item.get('composite_category'), pca_score=item.get('pca_score'),
            pca_rank=item.get('pca_rank'), pca_category=item.get('pca_category'),
            spread=tuple(spread.get(k) for k in SPREAD_KEYS), imputed=tuple(item.get('imputed') or ()),
            urban_percentage=item.get('urban_percentage')))
    boundaries = []
    for index, feature in enumerate(features):
        props = feature.get('properties') or EMPTY
        if feature.get('geometry'):
            row = props.get('row')
            boundaries.append(Boundary(
                key=f'w{row}' if row is not None else f'b{index}', code=props.get('ward_code'),
                name=_text(props.get('ward_name')), lga=_text(props.get('lga')), geometry=feature['geometry']))
    sources = {}
    for cell in result.get('imputation') or ():
        sources.setdefault(cell['variable'], {})[f'w{cell["row"]}'] = cell.get('source')
    variables = tuple(
        Variable(name=v['name'], direction=_text(v.get('direction')), raw=_per_ward(ward_values, 'raw', v['name']),
                 value=_per_ward(ward_values, 'value', v['name']),
                 normalised=_per_ward(ward_values, 'normalised', v['name']),
                 filled_from=MappingProxyType(sources.get(v['name']) or {}))
        for v in result.get('variables') or ())
    return ResultView(wards=tuple(wards), variables=variables, boundaries=tuple(boundaries),
                      pca_ran=bool((result.get('pca') or EMPTY).get('ran')), result=MappingProxyType(result))
