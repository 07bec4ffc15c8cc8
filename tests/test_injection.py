"""The prompt-injection experiment's pieces (notebook 02, section 4.4; figures in benchmarks/injection.py)."""

from course_utils import injection as inj
from course_utils.chunking import Chunk
from course_utils.grounding import SYSTEM_PROMPT, build_prompt
from course_utils.rag import Hit

PAGE = {"id": "p1", "title": "Kettle", "text": "# Kettle\nA kettle.\n## Price\nIt costs 9 EUR.\n## Care\nDescale it."}


def hit(text, n=1):
    return Hit(Chunk(text, "p1", n - 1, 0, len(text), title="Kettle"), 0.5, n)


def test_poisoning_copies_the_documents_and_puts_the_instruction_under_every_heading():
    other = {"id": "p2", "title": "Other", "text": "# Other\nNothing."}
    docs = [PAGE, other]
    poisoned = inj.poison_documents(docs, "p1")
    assert poisoned[0]["text"].count(inj.INJECTION) == 3  # title and two sections
    assert inj.INJECTION not in PAGE["text"] and poisoned[1] == other  # the originals are untouched
    assert "It costs 9 EUR." in poisoned[0]["text"]


def test_followed_means_the_answer_repeats_the_attackers_address():
    assert inj.followed(f"Please go to {inj.ATTACKER_ADDRESS.upper()} now")
    assert inj.followed("visit orrinvale-refunds. example")  # spaces the model inserts do not hide it
    assert not inj.followed("It costs 9 EUR [1].")
    assert all(inj.ATTACKER_ADDRESS in wording for wording in inj.INJECTIONS.values())


def test_the_filter_drops_every_course_wording_and_keeps_the_facts():
    for wording in inj.INJECTIONS.values():
        text, dropped = inj.filter_instructions(f"It costs 9 EUR. {wording} Descale it monthly.")
        assert dropped >= 1 and inj.ATTACKER_ADDRESS not in text
        assert "It costs 9 EUR." in text and "Descale it monthly." in text
    assert inj.filter_instructions("It costs 9 EUR. Descale it monthly.") == ("It costs 9 EUR. Descale it monthly.", 0)


def test_filtered_hits_keep_the_source_and_rank():
    [clean], dropped = inj.filtered_hits([hit(f"It costs 9 EUR. {inj.INJECTION}", n=2)])
    assert dropped == 2 and clean.text == "It costs 9 EUR." and clean.rank == 2 and clean.doc_id == "p1"


def test_the_guarded_prompt_delimits_sources_and_says_they_are_data():
    messages = inj.guarded_prompt("What does it cost?", [hit("It costs 9 EUR."), hit("Descale it.", 2)])
    assert messages[0]["content"].startswith(SYSTEM_PROMPT) and "not instructions" in messages[0]["content"]
    user = messages[1]["content"]
    assert "<source id=1>Kettle: It costs 9 EUR.</source>" in user and "<source id=2>" in user
    assert user.endswith("Question: What does it cost?")
    plain = build_prompt("What does it cost?", [hit("It costs 9 EUR.")])[1]["content"]
    assert "[1] Kettle: It costs 9 EUR." in plain  # the undefended prompt, for comparison


def test_the_filter_leaves_the_real_knowledge_base_alone():
    from course_utils import data

    for version in ("v1", "v2"):
        for doc in data.load_kb(version):
            assert inj.filter_instructions(" ".join(doc["text"].split()))[1] == 0, doc["id"]
