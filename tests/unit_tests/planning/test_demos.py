from langchain_hugginggpt.plan import parse_plan, validate_plan
from langchain_hugginggpt.planning.demos import Demo, DemoBank, bundled_demos, tokens


def test_every_bundled_demonstration_is_a_valid_plan() -> None:
    demos = bundled_demos()
    assert len(demos) >= 40
    for demo in demos:
        assert validate_plan(parse_plan(demo.tasks)) == [], demo.request


def test_media_words_and_extensions_share_a_kind() -> None:
    assert "__audio__" in tokens("transcribe clip.wav") and "__audio__" in tokens("this recording")
    assert "__image__" in tokens("look at photo.png")


def test_the_most_similar_demonstration_comes_last() -> None:
    bank = DemoBank(
        [
            Demo("Translate hello into German", []),
            Demo("Transcribe the meeting recording", []),
            Demo("Draw a cat", []),
        ]
    )
    picked = bank.select("please transcribe this audio file meeting.wav", k=2)
    assert picked[-1].request == "Transcribe the meeting recording"
    assert len(picked) == 2
    assert bank.select("anything", k=0) == []


def test_embedding_similarity_can_replace_tf_idf() -> None:
    vectors = {"a": [1.0, 0.0], "b": [0.0, 1.0], "query": [0.1, 0.9]}
    bank = DemoBank([Demo("a", []), Demo("b", [])], embed=lambda texts: [vectors[t] for t in texts])
    assert [d.request for d in bank.select("query", k=2)] == ["a", "b"]
