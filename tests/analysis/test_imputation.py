"""Gap filling: snapshot (default, order-free) and sequential (legacy), checked by hand."""
import numpy as np

from chalicelib.analysis.imputation import SEQUENTIAL, SNAPSHOT, impute
from chalicelib.analysis.spatial import queen_neighbours
from shapely.geometry import box

NAN = np.nan


def strip(n):
    """n squares in a row: ward i touches i-1 and i+1."""
    return queen_neighbours([box(i, 0, i + 1, 1) for i in range(n)])


def test_queen_contiguity_counts_a_shared_corner():
    indptr, indices = queen_neighbours([box(0, 0, 1, 1), box(1, 1, 2, 2), box(5, 5, 6, 6), None])
    assert indices[indptr[0]:indptr[1]].tolist() == [1]
    assert indices[indptr[1]:indptr[2]].tolist() == [0]
    assert indptr[3] - indptr[2] == 0 and indptr[4] - indptr[3] == 0


def test_snapshot_uses_only_original_values():
    values = np.array([[1.0], [NAN], [NAN], [4.0]])
    filled, fills = impute(values, *strip(4), SNAPSHOT)
    assert filled[:, 0].tolist() == [1.0, 1.0, 4.0, 4.0]
    assert [(r, c, v, s) for r, c, v, s in fills] == [(1, 0, 1.0, 'neighbours'), (2, 0, 4.0, 'neighbours')]


def test_sequential_feeds_earlier_fills_into_later_ones_in_file_order():
    values = np.array([[1.0], [NAN], [NAN], [4.0]])
    filled, _ = impute(values, *strip(4), SEQUENTIAL)
    assert filled[:, 0].tolist() == [1.0, 1.0, 2.5, 4.0]  # B = mean(A); C = mean(B filled, D)
    reversed_file, _ = impute(values[::-1].copy(), *strip(4), SEQUENTIAL)
    assert reversed_file[::-1, 0].tolist() == [1.0, 2.5, 4.0, 4.0]  # the legacy rule depends on order


def test_no_neighbour_with_a_value_gets_the_original_column_mean():
    values = np.array([[2.0, NAN], [NAN, 5.0], [NAN, NAN], [6.0, 7.0], [NAN, 9.0]])
    indptr, indices = queen_neighbours([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(10, 0, 11, 1),
                                        box(20, 0, 21, 1)])
    for method in (SNAPSHOT, SEQUENTIAL):
        filled, fills = impute(values, indptr, indices, method)
        assert filled[4, 0] == 4.0  # isolated: mean of 2 and 6
        assert filled[0, 1] == 5.0  # neighbour 1 has a value
        sources = {(r, c): s for r, c, _, s in fills}
        assert sources[(4, 0)] == 'column_mean' and sources[(0, 1)] == 'neighbours'
    snapshot, _ = impute(values, indptr, indices, SNAPSHOT)
    sequential, _ = impute(values, indptr, indices, SEQUENTIAL)
    assert snapshot[2, 0] == 4.0 and sequential[2, 0] == 2.0  # legacy uses row 1's fill (2.0)


def test_without_boundaries_every_gap_gets_the_column_mean():
    values = np.array([[1.0], [NAN], [3.0]])
    filled, fills = impute(values, np.zeros(4, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert filled[1, 0] == 2.0 and fills[0][3] == 'column_mean'
