from bot.corpus.chunking import chunk_text, sentence_spans
from bot.corpus.documents import read_file

from .conftest import AFP_FILE, RT_FILE


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Mr. Atambayev met Dr. Smith at 9 a.m. on Aug. 7 in the U.S. embassy. He left. St. Petersburg was quiet."
    assert sentences(text) == [
        "Mr. Atambayev met Dr. Smith at 9 a.m. on Aug. 7 in the U.S. embassy.",
        "He left.",
        "St. Petersburg was quiet.",
    ]


def test_ellipsis_inside_a_sentence_does_not_split_it() -> None:
    text = "Atambayev is still at his home... there are rumours that forces will come. They did."
    assert sentences(text)[0] == "Atambayev is still at his home... there are rumours that forces will come."


def test_quotes_stay_with_their_attribution() -> None:
    text = '"We are not terrorists," he said. "Go home." Then he left.'
    assert sentences(text) == ['"We are not terrorists," he said.', '"Go home."', "Then he left."]


def test_chunks_are_exact_slices_with_offsets() -> None:
    for path in (RT_FILE, AFP_FILE):
        text = read_file(path).text
        chunks = chunk_text(text)
        assert chunks and [c.position for c in chunks] == list(range(len(chunks)))
        for chunk in chunks:
            assert text[chunk.start:chunk.end] == chunk.text
            assert chunk.text == chunk.text.strip()


def test_seed_quotes_and_ellipses_split_as_a_reader_would() -> None:
    chunks = [c.text for c in chunk_text(read_file(AFP_FILE).text)]
    assert "Atambayev is still at his home... there are rumours that additional forces will be sent." in chunks
    assert 'Despite resuscitation attempts, he died," it said in a statement.' in chunks
    assert (
        "The health ministry said that 36 people, including 15 members of the security services, "
        "had been admitted to hospital with injuries." in chunks
    )


def test_page_furniture_and_subheadings_are_never_chunks() -> None:
    rt = [c.text for c in chunk_text(read_file(RT_FILE).text)]
    afp = [c.text for c in chunk_text(read_file(AFP_FILE).text)]
    everything = " ".join(rt + afp)
    assert "Share this story" not in everything
    assert "Think your friends" not in everything
    assert "Also on rt.com" not in everything
    assert "(VIDEO)" not in everything
    assert "Raid fails as supporters stand strong" not in everything
    # The reporting glued to the teaser survives as its own sentence.
    assert "Kyrgyz special forces failed to detain the ex-leader on Wednesday, when they stormed his mansion twice." in rt
    assert rt[-1].startswith("The politician has denied all accusations")


def test_teaser_on_a_line_of_its_own_is_dropped_whole() -> None:
    text = "First sentence here.\nAlso on rt.com Something happened somewhere (PHOTOS)\nLast sentence here."
    assert [c.text for c in chunk_text(text)] == ["First sentence here.", "Last sentence here."]


def test_a_text_with_no_words_has_no_chunks() -> None:
    assert chunk_text("... !!! ---") == []


def _seconds(function, *args):  # type: ignore[no-untyped-def]
    import time

    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def test_hostile_layouts_are_split_in_linear_time() -> None:
    """Runs of blank lines and a huge line of unpunctuated text once took seconds (5.7 s for 16k newlines) and
    held the bot's GIL; linear splitting takes milliseconds. The bound is a hundred times what it needs."""
    assert _seconds(chunk_text, "First line.\n" + "\n" * 16_000 + "Share this story!\n" + "\n" * 16_000 + "Last.") < 0.5
    assert _seconds(chunk_text, "Share this story!\n\n" * 8_000 + "The raid failed.") < 1.5
    assert _seconds(chunk_text, "Word word word word word word word word word word word word word 1) " * 6_000) < 1.5


def test_a_run_without_punctuation_is_cut_into_capped_chunks() -> None:
    from bot.corpus.chunking import MAX_CHUNK_CHARS

    text = "The convoy moved slowly along the mountain road toward the village " * 2_300  # 156 KB, no full stop
    chunks = chunk_text(text)
    assert len(chunks) > 150
    assert all(len(c.text) <= MAX_CHUNK_CHARS and c.text == text[c.start:c.end] for c in chunks)
    assert all(not c.text.startswith(" ") and not c.text.endswith(" ") for c in chunks)
    assert chunk_text("A normal sentence. Another one.")[1].text == "Another one."
