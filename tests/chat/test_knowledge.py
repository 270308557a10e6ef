"""General malaria questions in rules mode: the right entry of the curated knowledge base, with its source."""
import pytest

from chalicelib.conversations import knowledge

SOURCES = (knowledge.WMR_2023, knowledge.NMSP, knowledge.WHO_GUIDELINES, knowledge.WHO_URBAN,
           knowledge.WHO_SURVEILLANCE)


@pytest.mark.parametrize('question, key', [
    ('why are children under 5 most vulnerable?', 'under5'),
    ('Why are under-fives so vulnerable to malaria', 'under5'),
    ('why are pregnant women at higher risk?', 'pregnancy'),
    ('how does malaria spread', 'spread'),
    ('what are the symptoms of malaria?', 'symptoms'),
    ('do bed nets really work?', 'itn'),
    ('how many nets per person in a campaign', 'campaign'),
    ('what is IRS', 'irs'),
    ('what is SMC?', 'smc'),
    ('RDT vs microscopy: which is better?', 'testing'),
    ('what is tpr', 'tpr'),
    ('when is malaria season in Nigeria?', 'seasonality'),
    ('what does the vulnerability ranking mean?', 'ranking'),
    ('is malaria worse in cities?', 'urban'),
    ('how does rainfall affect malaria', 'environment'),
    ('why does housing quality matter', 'housing'),
    ('how is malaria treated', 'treatment'),
    ('is there a vaccine for malaria', 'vaccine'),
    ('are mosquitoes resistant to insecticides?', 'resistance'),
    ('how many people die of malaria in Nigeria', 'burden'),
    ("what is Nigeria's national malaria strategy", 'strategy'),
    ('how can I prevent malaria', 'prevention'),
    ('what is pfpr', 'prevalence'),
])
def test_a_malaria_question_gets_its_entry_and_names_the_source(question, key):
    answer = knowledge.answer(question)
    entry = next(e for e in knowledge.ENTRIES if e.key == key)
    assert answer.key == key
    assert answer.source == entry.source
    assert answer.text.endswith(f'Source: {entry.source}.')


@pytest.mark.parametrize('question', ['what is the capital of France?', 'what is the weather', 'tell me a joke'])
def test_a_question_the_knowledge_base_cannot_answer_says_so_and_what_it_can_do(question):
    answer = knowledge.answer(question)
    assert answer.source is None
    assert answer.text.startswith('I do not know')
    assert 'run the malaria risk analysis' in answer.text and 'plan bed net distribution' in answer.text


def test_every_entry_cites_one_of_the_named_publications_and_is_found_by_its_own_title():
    assert 15 <= len(knowledge.ENTRIES) <= 25
    assert len({e.key for e in knowledge.ENTRIES}) == len(knowledge.ENTRIES)
    for entry in knowledge.ENTRIES:
        assert set(entry.source.split('; ')) <= set(SOURCES), entry.key
        assert knowledge.best(entry.title) is entry, entry.title
    assert 'World Malaria Report 2023' in knowledge.WMR_2023 and '2021–2025' in knowledge.NMSP
