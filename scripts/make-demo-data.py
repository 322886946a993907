#!/usr/bin/env python3
"""Writes the embedded demo preference set: src/Training/Resources/demo/{train,eval}.jsonl.

Every pair asks a short question. The chosen answer is correct, polite and ends with a full stop;
the rejected answer is wrong in a fixed way, SHOUTED in capitals, rude, and ends with "!". A tiny
byte-level model learns to prefer the first within a few hundred steps, and the held-out split
checks that it learned the style rather than the rows.

Deterministic: no random numbers; order and split come from SHA-256 of each row's key, so the
output is byte-identical on every machine and Python 3 version. Rows alternate between the string
form and the conversational form (some with a system message, some with an earlier exchange).
Prompt + answer stay within MAX_TOKENS byte-level tokens after the Gemma-3 chat template.

Usage: scripts/make-demo-data.py [output-folder]
"""
import hashlib
import json
import pathlib
import sys

MAX_TOKENS = 128
EVAL_PERCENT = 12

RUDE = ["WHO CARES", "STOP ASKING ME", "FIGURE IT OUT YOURSELF", "DO NOT BOTHER ME",
        "WHAT A SILLY QUESTION", "LEAVE ME ALONE", "EVERYONE KNOWS THAT"]
SYSTEMS = ["You are a helpful assistant.", "Answer in one short sentence.", "Be kind and brief."]
POLITE_TAILS = ["", " I hope that helps.", " Happy to help."]


def digest(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def pick(options, key):
    return options[int(digest(key)[:8], 16) % len(options)]


def items():
    """(key, question, correct answer sentence, wrong answer word)."""
    for a in range(2, 13):
        for b in range(2, 13):
            q = pick([f"What is {a} plus {b}?", f"Please add {a} and {b}.", f"What do you get from {a} + {b}?"], f"plus{a},{b}")
            yield f"plus{a},{b}", q, f"{a} plus {b} is {a + b}.", str(a + b + 1)
    for a in range(10, 21):
        for b in range(1, 10):
            q = pick([f"What is {a} minus {b}?", f"What is {a} - {b}?"], f"minus{a},{b}")
            yield f"minus{a},{b}", q, f"{a} minus {b} is {a - b}.", str(a - b + 1)
    for a in range(2, 10):
        for b in range(2, 10):
            q = pick([f"What is {a} times {b}?", f"What is {a} x {b}?"], f"times{a},{b}")
            yield f"times{a},{b}", q, f"{a} times {b} is {a * b}.", str(a * b + 1)
    for a, b in [(3, 8), (12, 7), (5, 9), (20, 14), (6, 11), (17, 4), (9, 13), (15, 2), (8, 18), (10, 19),
                 (31, 13), (44, 40), (7, 70), (66, 6), (25, 52), (90, 9), (13, 31), (50, 15), (2, 22), (99, 100)]:
        big, small = max(a, b), min(a, b)
        yield f"bigger{a},{b}", f"Which is bigger, {a} or {b}?", f"{big} is bigger than {small}.", str(small)

    colours = [("the sky", "blue"), ("grass", "green"), ("snow", "white"), ("a banana", "yellow"),
               ("coal", "black"), ("a tomato", "red"), ("a carrot", "orange"), ("a plum", "purple"),
               ("chocolate", "brown"), ("the sea", "blue"), ("a lime", "green"), ("milk", "white"),
               ("a lemon", "yellow"), ("a crow", "black"), ("a strawberry", "red"), ("an orange", "orange"),
               ("a grape", "purple"), ("wood", "brown")]
    names = sorted({c for _, c in colours})
    for thing, colour in colours:
        wrong = names[(names.index(colour) + 3) % len(names)]
        for n, q in enumerate([f"What colour is {thing}?", f"Tell me the colour of {thing}."]):
            yield f"colour{thing}{n}", q, f"{thing[0].upper() + thing[1:]} is {colour}.", wrong

    legs = [("spider", 8), ("dog", 4), ("cat", 4), ("bird", 2), ("ant", 6), ("bee", 6), ("horse", 4),
            ("duck", 2), ("beetle", 6), ("cow", 4), ("chicken", 2), ("crab", 10), ("sheep", 4), ("fly", 6)]
    for animal, count in legs:
        for n, q in enumerate([f"How many legs does a {animal} have?", f"Count the legs of a {animal}."]):
            yield f"legs{animal}{n}", q, f"A {animal} has {count} legs.", str(count + 2)

    sounds = [("dog", "barks"), ("cat", "meows"), ("cow", "moos"), ("duck", "quacks"), ("sheep", "baas"),
              ("lion", "roars"), ("owl", "hoots"), ("pig", "oinks"), ("horse", "neighs"), ("snake", "hisses"),
              ("bee", "buzzes"), ("frog", "croaks")]
    for i, (animal, sound) in enumerate(sounds):
        wrong = sounds[(i + 5) % len(sounds)][1]
        for n, q in enumerate([f"What sound does a {animal} make?", f"How does a {animal} sound?"]):
            yield f"sound{animal}{n}", q, f"A {animal} {sound}.", wrong

    units = [("centimetres", "metre", 100), ("millimetres", "centimetre", 10), ("metres", "kilometre", 1000),
             ("grams", "kilogram", 1000), ("seconds", "minute", 60), ("minutes", "hour", 60), ("hours", "day", 24),
             ("days", "week", 7), ("months", "year", 12), ("millilitres", "litre", 1000), ("years", "decade", 10),
             ("years", "century", 100)]
    for small, big, count in units:
        for n, q in enumerate([f"How many {small} are in a {big}?", f"A {big} has how many {small}?"]):
            yield f"unit{small}{big}{n}", q, f"There are {count} {small} in a {big}.", str(count * 10)

    opposites = [("hot", "cold"), ("big", "small"), ("up", "down"), ("fast", "slow"), ("light", "dark"),
                 ("old", "young"), ("happy", "sad"), ("open", "closed"), ("wet", "dry"), ("early", "late"),
                 ("full", "empty"), ("loud", "quiet"), ("hard", "soft"), ("long", "short"), ("rich", "poor"),
                 ("near", "far")]
    for word, opposite in opposites:
        for n, q in enumerate([f"What is the opposite of {word}?", f"Give me the opposite of {word}."]):
            yield f"opposite{word}{n}", q, f"The opposite of {word} is {opposite}.", word

    capitals = [("France", "Paris"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Japan", "Tokyo"),
                ("Egypt", "Cairo"), ("Kenya", "Nairobi"), ("Peru", "Lima"), ("Norway", "Oslo"),
                ("Greece", "Athens"), ("Ireland", "Dublin"), ("Poland", "Warsaw"), ("Austria", "Vienna"),
                ("Portugal", "Lisbon"), ("Canada", "Ottawa"), ("Germany", "Berlin"), ("Chile", "Santiago")]
    for i, (country, capital) in enumerate(capitals):
        wrong = capitals[(i + 7) % len(capitals)][1]
        for n, q in enumerate([f"What is the capital of {country}?", f"Which city is the capital of {country}?"]):
            yield f"capital{country}{n}", q, f"The capital of {country} is {capital}.", wrong


def byte_tokens(prompt_messages, answer):
    """Length under the Gemma-3 chat template with a byte tokenizer (special tokens count one)."""
    n = 1  # <bos>
    first = 0
    prefix = ""
    if prompt_messages[0]["role"] == "system":
        prefix = prompt_messages[0]["content"] + "\n\n"
        first = 1
    for i, m in enumerate(prompt_messages[first:]):
        role = "model" if m["role"] == "assistant" else "user"
        text = (prefix if i == 0 else "") + m["content"].strip()
        n += 1 + len((role + "\n").encode()) + len(text.encode()) + 2
    n += 1 + len(b"model\n")
    return n + len(answer.encode()) + 2


def row(key, question, correct, wrong):
    tail = pick(POLITE_TAILS, "tail" + key)
    chosen = correct + tail if len(correct + tail) <= 60 else correct
    rejected = f"{wrong.upper()}! {pick(RUDE, 'rude' + key)}!"
    form = int(digest("form" + key)[:8], 16) % 8
    if form < 4:
        prompt = [{"role": "user", "content": question}]
        if byte_tokens(prompt, max(chosen, rejected, key=len)) > MAX_TOKENS:
            raise SystemExit(f"{key}: too long for {MAX_TOKENS} tokens")
        return {"prompt": question, "chosen": chosen, "rejected": rejected}
    if form < 6:
        prompt = [{"role": "system", "content": pick(SYSTEMS, "system" + key)}, {"role": "user", "content": question}]
    elif form < 7:
        prompt = [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello."},
                  {"role": "user", "content": question}]
    else:
        prompt = [{"role": "user", "content": question}]
    if byte_tokens(prompt, max(chosen, rejected, key=len)) > MAX_TOKENS:
        prompt = [prompt[-1]]
    if byte_tokens(prompt, max(chosen, rejected, key=len)) > MAX_TOKENS:
        raise SystemExit(f"{key}: too long for {MAX_TOKENS} tokens")
    return {"prompt": prompt,
            "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}]}


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "src/Training/Resources/demo")
    rows = sorted((digest(key), key, row(key, q, c, w)) for key, q, c, w in items())
    keys = [key for _, key, _ in rows]
    if len(set(keys)) != len(keys):
        raise SystemExit("duplicate keys")
    eval_count = len(rows) * EVAL_PERCENT // 100
    out.mkdir(parents=True, exist_ok=True)
    for name, part in [("eval.jsonl", rows[:eval_count]), ("train.jsonl", rows[eval_count:])]:
        text = "".join(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n" for _, _, r in part)
        (out / name).write_bytes(text.encode("utf-8"))
        print(f"{out / name}: {len(part)} pairs")


if __name__ == "__main__":
    main()
