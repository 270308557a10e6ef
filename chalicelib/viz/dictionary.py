"""What each ward variable is, in words a programme officer reads: the variable dictionary.

Maps, tables and the report show a variable by its label ("Night-time lights"), not
its column name (`avgRAD`), and say its unit, what it measures, where such data
comes from and which direction raises malaria risk. Column names are matched as the
engine matches concepts (case, spaces and punctuation ignored; the engine's concept
synonyms included), so `avgRAD`, `night_lights` and `NTL` are one entry. A column
the dictionary does not know keeps its own name and says so.

`direction` here is what raises risk in general; an analysis may set its own, and
what it used is what the report shows. None: not a risk factor by itself.
"""
from dataclasses import dataclass, replace
from types import MappingProxyType

from chalicelib.analysis.variables import CONCEPT_SYNONYMS, squash

PERCENT = '%'
SHARE = 'share, 0–1'


@dataclass(frozen=True)
class Entry:
    name: str           # the column name as it is in the data
    label: str
    unit: str
    measures: str
    source: str
    direction: str      # 'direct', 'inverse' or None
    known: bool = True

    @property
    def risk_text(self):
        """Which way raises risk, in words."""
        return {'direct': 'higher value, higher risk', 'inverse': 'lower value, higher risk'}.get(
            self.direction, 'not a risk factor by itself')

    @property
    def heading(self):
        """The label with its unit, for a legend or a column heading."""
        return f'{self.label} ({self.unit})' if self.unit else self.label


def _entry(aliases, label, unit, measures, source, direction, percent_or_share=False):
    return {'aliases': aliases, 'label': label, 'unit': unit, 'measures': measures, 'source': source,
            'direction': direction, 'percent_or_share': percent_or_share}


# concept: its entry. Aliases are squashed names (lower case, letters and digits only).
ENTRIES = MappingProxyType({
    'u5_tpr_rdt': _entry(
        ('u5tprrdt', 'tpru5', 'tpru5new', 'tpr', 'u5tpr', 'testpositivityrate'),
        'Test positivity rate, children under 5', PERCENT,
        'Share of children under five tested for malaria (mostly by rapid test) whose test was positive',
        'Health facility reports (DHIS2, national malaria programme)', 'direct', percent_or_share=True),
    'pfpr': _entry(
        ('pfpr', 'pfpr210', 'meanpfpr', 'prevalence'), 'Malaria prevalence (PfPR, ages 2–10)', SHARE,
        'Modelled share of children aged 2–10 carrying the malaria parasite',
        'Malaria Atlas Project', 'direct'),
    'population': _entry(
        ('population', 'pop', 'totalpopulation'), 'Population', 'people',
        'Estimated number of people living in the ward', 'WorldPop / GRID3 population estimates', 'direct'),
    'population_density': _entry(
        ('populationdensity', 'popdensity', 'density'), 'Population density', 'people per km²',
        'People per square kilometre of the ward', 'WorldPop / GRID3 population estimates', 'direct'),
    'evi': _entry(
        ('evi', 'meanevi', 'enhancedvegetationindex', 'avgevi'), 'Vegetation (EVI)', 'index',
        'Enhanced vegetation index: how green and dense the vegetation is (some files scale it by 10,000)',
        'MODIS satellite imagery', 'direct'),
    'ndvi': _entry(
        ('ndvi', 'meanndvi', 'ndviscore', 'vegetation'), 'Vegetation (NDVI)', 'index',
        'Normalised difference vegetation index: how green the vegetation is (some files scale it by 10,000)',
        'MODIS / Sentinel-2 satellite imagery', 'direct'),
    'rainfall': _entry(
        ('rainfall', 'meanrainfall', 'avgrainfall', 'rain', 'precipitation'), 'Rainfall', 'mm',
        'Average rainfall over the ward', 'CHIRPS satellite rainfall estimates', 'direct'),
    'distance_to_waterbodies': _entry(
        ('distancetowaterbodies', 'distancetowater', 'disttowater', 'distance'),
        'Distance to water bodies', 'm', 'Average distance to the nearest river, lake or pond',
        'OpenStreetMap / JRC global surface water', 'inverse'),
    'humidity': _entry(
        ('rhmean', 'humidity', 'relativehumidity', 'meanrh'), 'Relative humidity', PERCENT,
        'Average relative humidity of the air', 'ERA5 climate reanalysis', 'direct'),
    'temperature': _entry(
        ('tempmean', 'temperature', 'meantemp', 'meantemperature', 'lst'), 'Temperature', '°C',
        'Average air or land surface temperature', 'ERA5 climate reanalysis / MODIS', 'direct'),
    'housing_quality': _entry(
        ('housingquality', 'housing', 'valhousing15', 'avghousescore', 'housescore'), 'Housing quality',
        SHARE, 'Share of homes with improved walls, roof and floor (better homes keep mosquitoes out)',
        'Malaria Atlas Project (housing 2015)', 'inverse'),
    'nighttime_lights': _entry(
        ('nighttimelights', 'avgrad', 'nightlights', 'ntl'), 'Night-time lights', 'nW/cm²/sr',
        'Brightness of the ward at night, a sign of electricity and urban development',
        'VIIRS satellite imagery', 'direct'),
    'flood': _entry(
        ('flood', 'floodextent', 'floodrisk'), 'Flooding', 'index',
        'How much of the ward floods (standing water where mosquitoes breed)',
        'Global flood database', 'direct'),
    'ndwi': _entry(
        ('ndwi', 'meanndwi'), 'Surface water (NDWI)', 'index, −1 to 1',
        'Normalised difference water index: open water and wet surfaces', 'Sentinel-2 / MODIS satellite imagery',
        'direct'),
    'ndmi': _entry(
        ('ndmi', 'meanndmi'), 'Moisture (NDMI)', 'index, −1 to 1',
        'Normalised difference moisture index: moisture in vegetation and soil',
        'Sentinel-2 / MODIS satellite imagery', 'direct'),
    'elevation': _entry(
        ('elevation', 'meanelevation', 'altitude'), 'Elevation', 'm',
        'Height above sea level (fewer mosquitoes survive higher up)', 'SRTM elevation model', 'inverse'),
    'soil_wetness': _entry(
        ('soilwetness', 'meansoilwetness', 'soilmoisture'), 'Soil wetness', SHARE,
        'How wet the soil is near the surface', 'ERA5 / GLDAS land surface models', 'direct'),
    'settlement_type': _entry(
        ('settlementtype', 'settlementtypepoor', 'settlement'), 'Settlement type', 'class',
        'Kind of settlement (higher classes: poorer, less planned housing)', 'GRID3 settlement extents', 'direct'),
    'urban_percentage': _entry(
        ('urbanpercentage', 'urbanpercent', 'urbanperc', 'urbanpct'), 'Urban share of the ward', PERCENT,
        'Share of the ward\'s area that is built up', 'GHSL built-up area / building footprints', 'inverse',
        percent_or_share=True),
    'urban_area': _entry(
        ('urbanarea',), 'Urban area', 'm²', 'Built-up area of the ward, in square metres (an area, not a share)',
        'GHSL built-up area', None),
    'total_area': _entry(
        ('totalarea', 'area', 'shapearea'), 'Ward area', 'm²', 'Area of the ward', 'Ward boundaries', None),
    'building_height': _entry(
        ('buildingheight', 'meanbuildingheight'), 'Building height', 'm',
        'Average height of buildings, a sign of urban development', 'GHSL building height', None),
    'distance_to_health_facility': _entry(
        ('disttoclinic', 'distancetoclinic', 'distancetohealthfacility', 'disttofacility', 'facilityaccess'),
        'Distance to a health facility', 'm', 'Average distance to the nearest health facility',
        'GRID3 health facilities', 'inverse'),
    'poverty': _entry(
        ('poverty', 'povertyrate', 'poor'), 'Poverty', SHARE, 'Share of people living in poverty',
        'Nigeria Living Standards Survey / DHS', 'direct'),
    'nets_per_capita': _entry(
        ('netspercapita', 'itnpercapita', 'itnaccess'), 'Bed nets per person', 'nets per person',
        'Insecticide-treated nets distributed per person in the ward', 'ITN campaign records', 'inverse'),
    'dumpsites': _entry(
        ('dumpsites', 'dumpsite', 'wastesites'), 'Dump sites', 'count',
        'Refuse dumps in the ward, where water collects and mosquitoes breed', 'Field surveys / OpenStreetMap',
        'direct'),
    'total': _entry(
        ('total',), 'Total (sample file)', 'count', 'A count the Kano sample file gives without a description',
        'Sample data', None),
})


def _lookup():
    """squashed alias -> concept, the engine's concept synonyms included."""
    found = {}
    for concept, entry in ENTRIES.items():
        for alias in (squash(concept), *entry['aliases'], *CONCEPT_SYNONYMS.get(concept, ())):
            found.setdefault(alias, concept)
    return MappingProxyType(found)


LOOKUP = _lookup()


def describe(name, values=()):
    """The dictionary entry of a column (`values`, when given, tell a 0–1 share from a percentage);
    an unknown column keeps its name."""
    concept = LOOKUP.get(squash(name))
    if concept is None:
        return Entry(name=name, label=name, unit='', measures='Not in the variable dictionary: as named in the data',
                     source='The uploaded data', direction=None, known=False)
    entry = ENTRIES[concept]
    unit = entry['unit']
    present = [v for v in values if v is not None]
    if entry['percent_or_share'] and present and max(present) <= 1:
        unit = SHARE
    return Entry(name=name, label=entry['label'], unit=unit, measures=entry['measures'], source=entry['source'],
                 direction=entry['direction'])


def as_used(entry, direction):
    """The entry with the direction an analysis used (what its scores followed)."""
    return replace(entry, direction=direction or entry.direction)
