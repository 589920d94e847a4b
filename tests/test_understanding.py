"""Cues, fuzzy matching and synonyms: the parts that let a question find a sentence in other words."""

from pathlib import Path

import pytest

from bot.corpus.records import ChunkRow, DocumentRef
from bot.search import KnowledgeBase
from bot.search.cues import Cue, figures, question_type, sentence_cues
from bot.search.fuzzy import FuzzyVocabulary
from bot.search.synonyms import SynonymTable


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people were hurt?", "number"),
        ("hostages count", "number"),
        ("When did the clashes start?", "date"),
        ("What time of day did fighting break out?", "date"),
        ("Who is Kursan Asanov?", "person"),
        ("Where is Koi-Tash?", "place"),
        ("Why did the forces pull out?", "reason"),
        ("What was the cause of death?", "reason"),
        ("Did Atambayev fire a gun?", "polarity"),
        ("Was Atambayev arrested?", "polarity"),
        ("Atambayev fired a gun", None),
        # a wh-word asks where it opens the question or a clause, or closes it; not as a relative pronoun
        ("Were the soldiers who were taken hostage released?", "polarity"),
        ("What condition was the officer in when he reached hospital?", None),
        ("Prior to Manning, who was the oldest quarterback?", "person"),
        ("The stadium is located where?", "place"),
        ("Darren Fletcher and who else?", "person"),
        ("Since when has he no immunity?", "date"),
        ("By whom was he arrested?", "person"),
    ],
)
def test_question_types(question: str, kind: str | None) -> None:
    assert question_type(question) == kind


def test_sentence_cues_and_figures() -> None:
    cues = sentence_cues("The health ministry said that 36 people were admitted on Wednesday in Bishkek.")
    assert cues & Cue.NUMBER and cues & Cue.DATE and cues & Cue.PLACE
    assert figures("36 people, including 15 members") == {"36", "15"}
    assert figures("took six servicemen") == {"six"}
    assert figures("fired several shots") == frozenset()
    assert figures("they stormed his mansion twice") == {"twice"}  # "how many raids?" is answered by it


def test_cues_are_specific() -> None:
    """A cue that fires on most sentences boosts nothing: "after" is no date, "of Koi-Tash" no location,
    a month is no person."""
    assert not sentence_cues("Forces pulled out after an unsuccessful raid.") & Cue.DATE
    assert not sentence_cues("They were leaving the village of Koi-Tash.") & Cue.PLACE
    assert sentence_cues("his estate of Koi-Tash outside Bishkek") & Cue.PLACE
    assert sentence_cues("the road to the village, where it is located, was blocked") & Cue.PLACE
    assert not sentence_cues("Atambayev saw his immunity lifted in June.") & Cue.PERSON
    assert sentence_cues("In June, parliament stripped Atambayev of his immunity.") & Cue.PERSON
    assert sentence_cues("Atambayev has still not been detained.") & Cue.POLARITY
    assert not sentence_cues("Troops returned to arrest Atambayev.") & Cue.POLARITY


def test_question_frame_words_unknown_to_the_corpus_cost_nothing() -> None:
    rows = [ChunkRow(1, 1, 0, "Supporters took six servicemen as hostages."),
            ChunkRow(2, 1, 1, "The weather was mild in the mountains.")]
    knowledge = KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")})
    framed = knowledge.parse("hostages count")
    assert framed.unknown == () and framed.answer_type == "number"
    assert knowledge.search("hostages count", 1)[0].score == knowledge.search("How many hostages?", 1)[0].score
    assert knowledge.parse("hostages football").unknown == ("football",)  # a content word still counts


def test_proximity_prefers_the_sentence_where_the_question_words_stand_together() -> None:
    from bot.search.proximity import proximity

    rows = [
        ChunkRow(1, 1, 0, "The president said the committee forces were quietly sitting."),
        ChunkRow(2, 1, 1, "The sitting president said the committee forces were quiet."),
    ]
    knowledge = KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")})
    query = knowledge.parse("sitting president")
    owner_of = {"sit": [0], "presid": [1]}
    near = proximity(["sit", "presid"], query, owner_of)
    far = proximity(["sit", "forc", "quiet", "presid"], query, owner_of)
    assert near > far > 0
    assert proximity(["sit", "forc", "quiet", "other", "more", "presid"], query, owner_of) == 0  # beyond the window
    assert proximity(["sit"], query, owner_of) == 0
    hits = knowledge.search("sitting president", 2)
    assert [h.chunk_id for h in hits] == [2, 1] and hits[0].score > hits[1].score


def test_fuzzy_matches_misspellings_and_transliterations_only() -> None:
    vocabulary = FuzzyVocabulary().fit(["atambayev", "zheenbekov", "retreat", "hostages", "fired"])
    assert vocabulary.closest("atambaiev")[0] == "atambayev"  # type: ignore[index]
    assert vocabulary.closest("zhenbekov")[0] == "zheenbekov"  # type: ignore[index]
    assert vocabulary.closest("hostges")[0] == "hostages"  # type: ignore[index]
    assert vocabulary.closest("treat") is None  # a different word, however close in letters
    assert vocabulary.closest("freed") is None
    assert vocabulary.closest("gun") is None  # too short to guess


def test_synonym_table_matches_on_stems_and_phrases(tmp_path: Path) -> None:
    (tmp_path / "synonyms.txt").write_text("# comment\nweapons = firearms = guns\nex-president = former president\n\nbad line\n")
    table = SynonymTable.load(tmp_path)
    assert len(table) == 2
    [(start, end, alternatives)] = table.expansions(["did", "he", "have", "a", "gun"])
    assert (start, end) == (4, 5) and ("firearm",) in alternatives
    [(start, end, alternatives)] = table.expansions(["the", "ex", "president", "spoke"])
    assert (start, end) == (1, 3) and ("former", "presid") in alternatives
    assert len(SynonymTable.load(tmp_path / "missing")) == 0


def test_synonyms_and_typos_find_the_sentence() -> None:
    rows = [
        ChunkRow(1, 1, 0, "Sticks and stones were used to defend his mansion."),
        ChunkRow(2, 1, 1, "The sitting President Sooronbay Zheenbekov accused Atambayev."),
        ChunkRow(3, 1, 2, "The weather was mild in the mountains."),
    ]
    table = SynonymTable.parse(["residence = mansion", "Jeenbekov = Zheenbekov"])
    knowledge = KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")}, synonyms=table)
    assert knowledge.search("How was the residence defended?", 1)[0].chunk_id == 1
    assert knowledge.search("What did Jeenbekov do?", 1)[0].chunk_id == 2
    assert knowledge.search("Whom did Zhenbekov accuse?", 1)[0].chunk_id == 2
    plain = KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")})
    with_table = knowledge.search("How was the residence defended?", 1)[0].score
    assert with_table > 1.5 * plain.search("How was the residence defended?", 1)[0].score


def test_a_corrected_misspelling_also_brings_its_synonyms() -> None:
    rows = [ChunkRow(1, 1, 0, "The sitting President Sooronbay Zheenbekov accused Atambayev."),
            ChunkRow(2, 1, 1, "Tensions with his successor Sooronbai Jeenbekov rose.")]
    table = SynonymTable.parse(["Jeenbekov = Zheenbekov"])
    knowledge = KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")}, synonyms=table)
    # "Zhenbekov" is spelt like neither; it is corrected to "Zheenbekov", whose line adds "Jeenbekov".
    scores = {h.chunk_id: h.score for h in knowledge.search("Zhenbekov", 2)}
    assert scores[2] >= 0.5 * scores[1]  # not merely the neighbour context of the other sentence


def test_definition_questions_prefer_the_sentence_that_spells_the_term_out() -> None:
    from bot.answers.answering import Answerer
    from bot.search.cues import defines, definition_subject

    assert definition_subject("What is the GKNB?") == "GKNB"
    assert definition_subject("Who is Kursan Asanov?") == "Kursan Asanov"
    assert definition_subject("What does GKNB stand for?") == "GKNB"
    assert definition_subject("what does the GKNB mean") == "GKNB"
    assert definition_subject("What did the GKNB say about the raid yesterday evening?") is None
    assert definition_subject("asanov who is that") == "asanov"
    assert defines("Kyrgyzstan's national security committee (GKNB) said", frozenset({"gknb"}))
    assert defines("cited Deputy Interior Minister Kursan Asanov as saying", frozenset({"asanov"}))
    assert defines("Atambayev, who ruled Kyrgyzstan from 2011 to 2017, said", frozenset({"atambayev"})) == 2
    assert defines("Troops came to arrest Almazbek Atambayev.", frozenset({"atambayev"})) == 1
    assert not defines("The GKNB claimed that forces were armed.", frozenset({"gknb"}))
    assert not defines("Around 500 of Mr Atambayev's supporters came.", frozenset({"atambayev"}))  # his supporters
    rows = [
        ChunkRow(1, 1, 0, "The GKNB claimed that special forces were armed only with rubber bullets."),
        ChunkRow(2, 1, 1, "Clashes broke out after the national security committee (GKNB) began an operation."),
    ]
    answer = Answerer(KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")}), threshold=0.1).answer("What is the GKNB?")
    assert answer.passages[0].chunk_id == 2


def test_question_patterns_are_linear_on_runs_of_spaces() -> None:
    """"What does" + 500 spaces took 0.5 s (cubic); every question pattern now runs in linear time."""
    import time

    from bot.chat.requests import brief_request, sequence_question
    from bot.search.cues import definition_subject, question_type

    started = time.perf_counter()
    for filler in (" " * 20_000, "? " * 10_000, " \t" * 10_000):
        definition_subject("What does" + filler + "x")
        definition_subject("What is x" + filler + "y?")
        question_type("Why" + filler + "x")
        question_type("the man who" + filler + "x")
        brief_request("tell me" + filler + "x")
        sequence_question("what happened after" + filler + "x")
    assert time.perf_counter() - started < 0.5
    assert definition_subject("What   does  GKNB   stand for ??") == "GKNB"


def test_what_someone_said_is_answered_with_reported_speech() -> None:
    assert question_type("What did the minister say to the crowd?") == "speech"
    assert question_type("What was his message to the soldiers?") == "speech"
    assert question_type("What did the crowd use?") is None
    assert sentence_cues("\u201cGo home,\u201d he told them.") & Cue.SPEECH
    assert sentence_cues("The minister made an appeal to the soldiers.") & Cue.SPEECH
    assert not sentence_cues("The minister visited the soldiers at dawn.") & Cue.SPEECH
    rows = [ChunkRow(1, 1, 0, "The minister said the soldiers had been paid for their work at the base."),
            ChunkRow(2, 1, 1, "The minister urged the soldiers not to shoot their own people.")]
    knowledge = KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")})
    assert [h.chunk_id for h in knowledge.search("What did the minister say to the soldiers?", 2)][0] == 2


def test_chat_spellings_and_frame_words_do_not_count_against_a_question() -> None:
    from bot.answers.answering import Answerer
    from bot.search.textproc import expand_informal

    assert expand_informal("whats the GKNB? how many ppl") == "what is the GKNB? how many people"
    assert expand_informal("Whatsapp") == "Whatsapp"  # whole words only
    rows = [ChunkRow(1, 1, 0, "The national security committee (GKNB) ran the operation."),
            ChunkRow(2, 1, 1, "Officials said 36 people were admitted to hospital after the clashes."),
            ChunkRow(3, 1, 2, "He ruled the country from 2011 to 2017.")]
    answerer = Answerer(KnowledgeBase.build(rows, {1: DocumentRef(1, "Doc")}), threshold=0.15)
    for question, chunk in (("whats the gknb", 1), ("how many ppl were admitted to hospital", 2),
                            ("what happend in the clashes", 2), ("hospital numbers", 2), ("how long did he rule", 3)):
        answer = answerer.answer(question)
        assert answer.answered and answer.passages[0].chunk_id == chunk, question
        assert answer.question == question  # the JSON keeps what was asked
    assert not answerer.answer("how tall is the committee").answered  # height is the question, not a frame


def test_a_name_held_only_as_a_possessive_is_about_someone_else() -> None:
    """"Did Atambayev shoot?" is not answered by "Atambayev's supporters shot back" (the supporters shot);
    "What did Atambayev's supporters shoot?" still is."""
    rows = [
        ChunkRow(1, 1, 0, "Atambayev's supporters shot back."),
        ChunkRow(2, 2, 0, "Atambayev said he shot twice into the air from the balcony of the house."),
    ]
    knowledge = KnowledgeBase.build(rows, {1: DocumentRef(1, "A"), 2: DocumentRef(2, "B")})
    assert knowledge.search("did atambayev shoot", 2)[0].chunk_id == 2
    assert knowledge.search("did atambayev's supporters shoot", 2)[0].chunk_id == 1


def test_a_noun_is_not_matched_by_a_verb_of_the_same_stem() -> None:
    """"Was there a fire?" asks of the noun, not of "fired"; "who fired?" asks of the verb, not of "a fire"; a derived
    noun means what its verb does ("being investigated" still finds "an investigation")."""
    rows = [
        ChunkRow(1, 1, 0, "Guards fired shots."),
        ChunkRow(2, 2, 0, "Later that night a fire broke out in the old barn behind the house."),
        ChunkRow(3, 3, 0, "Prosecutors opened an investigation into the mayor."),
        ChunkRow(4, 4, 0, "The mayor was investigated and the house was searched by prosecutors in the spring."),
    ]
    knowledge = KnowledgeBase.build(rows, {i: DocumentRef(i, str(i)) for i in range(1, 5)})
    assert knowledge.search("was there a fire", 2)[0].chunk_id == 2
    assert knowledge.search("who fired", 2)[0].chunk_id == 1
    assert {h.chunk_id for h in knowledge.search("why was the mayor investigated", 2)} == {3, 4}
    assert knowledge.search("was there an investigation", 1)[0].chunk_id == 3
    from bot.search.textproc import is_past_form

    assert is_past_form("fired") and is_past_form("heard") and not is_past_form("speed") and not is_past_form("shots")
