"""What the conversation's latest answers were about, so that a follow-up can refer to them:
"why is it ranked so high?", "the second one", "the last one", "the next 5", "and in Bida?",
"and by PCA?", "and the least vulnerable?", "map that".

The focus is read from the conversation's own stored messages (the ones the turn loads for the
provider), never kept apart: their tool calls that worked, oldest first, the latest winning, and
the rows of the latest table of wards (top_wards' ranking or compare_methods' wards that move most).
So a focus cannot come from another conversation, and an id in it is one a tool already took from
this conversation. Pure: messages in, Focus out.
"""
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Optional, Tuple

# The tools whose table lists wards a follow-up may point into, each with the column only its table has
# (tools.top_wards' and tools.compare_methods'): which table attachment a call of that tool made.
TABLES = MappingProxyType({'top_wards': 'rank', 'compare_methods': 'rank_difference'})
SHOWN = frozenset({'top_wards', 'compare_methods', 'explain_ward', 'show_map'})


@dataclass(frozen=True)
class Focus:
    """`ward`: the ward explain_ward explained since the latest table (its input, as given), else None;
    `rows`: that table's wards in order, (ward_code, ward_name, lga); `table`: the latest top_wards input
    (a comparison after it leaves it the list to continue or turn round); `map`: the show_map input
    "map that" means (the table's ranking, or the variable last mapped); `latest`: which of top_wards,
    compare_methods, explain_ward and show_map answered last (what 'and by PCA?' asks again)."""
    ward: Optional[str] = None
    rows: Tuple[Tuple[Optional[str], str, Optional[str]], ...] = ()
    table: Optional[dict] = None
    map: Optional[dict] = None
    latest: Optional[str] = None


def stored(message):
    return message.get('attachments') or ()


def read(messages, attachments=stored):
    """The focus after `messages` (oldest first, as stored). `attachments(message)` gives a message's
    attachments (from S3 when they were too large for its item); it is asked for one message at most."""
    focus, table_at = Focus(), None
    for message in messages:
        made = dict.fromkeys(TABLES, 0)
        for call in message.get('tool_calls') or ():
            if call.get('status') != 'ok':
                continue
            name, given = call['name'], dict(call.get('input') or {})
            if name in TABLES:
                focus, table_at = replace(focus, ward=None), (message, name, made[name])
                made[name] += 1
            if name == 'top_wards':
                ranking = {k: given[k] for k in ('analysis_id', 'method') if given.get(k)}
                focus = replace(focus, table=given, map=dict(ranking, kind='vulnerability'))
            elif name == 'explain_ward' and given.get('ward'):
                focus = replace(focus, ward=given['ward'])
            elif name == 'show_map' and given.get('kind') == 'variable' and given.get('variable'):
                focus = replace(focus, map=given)
            if name in SHOWN:
                focus = replace(focus, latest=name)
    return replace(focus, rows=_rows(*table_at, attachments)) if table_at else focus


def _rows(message, tool, index, attachments):
    """The wards of the `index`-th table the tool made in the message, in order (none when it is not there)."""
    made = [a for a in attachments(message) if a.get('kind') == 'table' and TABLES[tool] in (a.get('columns') or ())]
    if index >= len(made):
        return ()
    return tuple((row.get('ward_code'), row['ward_name'], row.get('lga')) for row in made[index]['rows'])
