#!/usr/bin/env python3
"""The listening test set: story requests spoken by espeak-ng, and their scorer.

Make the set (deterministic: fixed seeds, sentences built from the category
rules of Config/listen/story.gram):

    scripts/listen-testset.py [--out .build/listen-testset] [--grammar Config/listen/story.gram]

writes DIR/clean/NNN.wav (16 kHz mono 16-bit), DIR/noisy/NNN-<noise><snr>.wav and
DIR/manifest.json: for each file its transcript, characters, place, colours,
actions, voice, rate, pitch and snr (null when clean).

Score a recogniser on it:

    scripts/listen-testset.py --score --command 'babyllama listen --in {wav} --json'

runs the command once per file ({wav} is replaced by the quoted path; or once
for all files when it contains {wavs}, printing one JSON line per file, in
order). The last JSON line a run prints needs "text"; "understood": false or an
empty text counts as "asked again"; with --min-confidence, so does a
"confidence" below it. A request is "heard right" when the characters (the
<name>/<animal>/<person> words, as a multiset) and the place (the <place> word,
or none) parsed from the text equal the transcript's. WER is the word-level
Levenshtein distance summed over the set, divided by the transcript words.
Clean and noisy files are reported apart; the exit status is 1 when the clean
share heard right is below --min-understood (a percentage, default 0).

--subset ci (8 clean + 4 noisy files) or --limit N (N clean + N/2 noisy) score
a small deterministic part.
"""

import argparse
import json
import math
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import wave
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_GRAMMAR = os.path.join(REPO, "Config", "listen", "story.gram")
DEFAULT_OUT = os.path.join(REPO, ".build", "listen-testset")

CATEGORIES = ("name", "animal", "person", "place", "colour", "action")
CHARACTER_CATEGORIES = ("name", "animal", "person")

CLEAN_COUNT = 72
SEED = 20240615
# espeak-ng voices (voice+variant), rates (words per minute) and pitches (0-99).
VOICES = ["en-us", "en-us+f3", "en-gb", "en-us+m3", "en-us+f2", "en-gb+f4", "en-us+m7", "en-gb-x-rp"]
RATES = (130, 190)
PITCHES = (30, 70)
# Noisy copies of the first clean files: (noise, SNR in dB), in turn.
NOISES = [("white", 20), ("pink", 20), ("white", 10), ("pink", 10)]
NOISY_COUNT = 32
SAMPLE_RATE = 16000


# MARK: - The grammar


def grammar_rules(path):
    """{rule name: list of alternatives}, each alternative the text between '|'
    with weights removed, for every rule of the JSGF file."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    rules = {}
    for match in re.finditer(r"(?:public\s+)?<([^>]+)>\s*=\s*(.*?);", text, flags=re.S):
        body = re.sub(r"/[0-9.eE+-]+/", " ", match.group(2))
        rules[match.group(1)] = [" ".join(part.split()) for part in body.split("|")]
    return rules


def categories(path):
    """{category: [phrase, ...]} for the six category rules (flat lists of words)."""
    rules = grammar_rules(path)
    result = {}
    for name in CATEGORIES:
        if name not in rules:
            raise SystemExit(f"{path}: no <{name}> rule")
        phrases = []
        for alternative in rules[name]:
            if not re.fullmatch(r"[a-z' ]+", alternative):
                raise SystemExit(f"{path}: <{name}> must be a flat list of lower-case words: {alternative!r}")
            phrases.append(alternative)
        result[name] = phrases
    return result


def parse_request(text, cats):
    """Characters (sorted list), place (or None), colours and actions found in
    `text`: the longest category phrase at each position wins."""
    words = text.split()
    table = []
    for category, phrases in cats.items():
        for phrase in phrases:
            table.append((phrase.split(), category))
    table.sort(key=lambda entry: -len(entry[0]))
    found = {category: [] for category in CATEGORIES}
    i = 0
    while i < len(words):
        for phrase, category in table:
            if words[i:i + len(phrase)] == phrase:
                found[category].append(" ".join(phrase))
                i += len(phrase)
                break
        else:
            i += 1
    characters = sorted(found["name"] + found["animal"] + found["person"])
    place = found["place"][-1] if found["place"] else None
    return {"characters": characters, "place": place, "colours": found["colour"], "actions": found["action"]}


# MARK: - Sentences


class Deck:
    """Draws a category's phrases in shuffled rounds, so every one is used."""

    def __init__(self, items, rng):
        self.items, self.rng, self.pile = list(items), rng, []

    def draw(self, avoid=()):
        if not self.pile:
            self.pile = self.items[:]
            self.rng.shuffle(self.pile)
        for index in range(len(self.pile) - 1, -1, -1):
            if self.pile[index] not in avoid:
                return self.pile.pop(index)
        return self.pile.pop()


INTROS = ["tell me", "please tell me", "can you tell me", "i want", "read me"]


def sentences(cats, count, seed):
    """`count` requests in the grammar's form: an intro, "a story about", one or
    two characters (a name, or "a/the [colour] animal/person"), maybe "who likes
    to <action>", maybe "in/at/on the <place>", maybe a final "please"."""
    rng = random.Random(seed)
    decks = {category: Deck(phrases, rng) for category, phrases in cats.items()}
    kinds = Deck(["name", "animal", "person"], rng)
    result = []
    for _ in range(count):
        characters = []
        parts = []
        for slot in range(2 if rng.random() < 0.55 else 1):
            kind = kinds.draw()
            word = decks[kind].draw(avoid=characters)
            characters.append(word)
            if kind == "name":
                phrase = word
            else:
                article = rng.choice(["a", "a", "the"])
                colour = decks["colour"].draw() + " " if rng.random() < 0.3 else ""
                phrase = f"{article} {colour}{word}"
            if rng.random() < 0.25:
                phrase += " who likes to " + decks["action"].draw()
            parts.append(phrase)
        place = decks["place"].draw() if rng.random() < 0.75 else None
        text = rng.choice(INTROS) + " a story about " + " and ".join(parts)
        if place:
            text += f" {rng.choice(['in', 'at', 'on'])} the {place}"
        if rng.random() < 0.1 and not text.startswith("please"):
            text += " please"
        result.append(text)
    return result


# MARK: - Audio


def speak(text, voice, rate, pitch, folder):
    """espeak-ng's samples for `text`, resampled to 16 kHz by sox, as float64
    (-D: sox's own dither is random, which would make every set different)."""
    import numpy as np

    raw = os.path.join(folder, "espeak.wav")
    resampled = os.path.join(folder, "16k.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", raw, text], check=True)
    subprocess.run(["sox", "-D", raw, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", resampled], check=True)
    with wave.open(resampled) as file:
        return np.frombuffer(file.readframes(file.getnframes()), dtype="<i2").astype(np.float64)


def pad(samples, rng):
    """0.3 s before and 0.5 s after, as a microphone would leave, with a little
    dither (1 LSB) so that no stretch is digital zero."""
    import numpy as np

    padded = np.concatenate([np.zeros(int(0.3 * SAMPLE_RATE)), samples, np.zeros(int(0.5 * SAMPLE_RATE))])
    return padded + rng.normal(0.0, 1.0, padded.size)


def noise(kind, size, rng):
    import numpy as np

    white = rng.normal(0.0, 1.0, size)
    if kind == "white":
        return white
    # Pink: 1/f power, shaped in the frequency domain.
    spectrum = np.fft.rfft(white)
    frequencies = np.arange(spectrum.size, dtype=np.float64)
    frequencies[0] = 1.0
    return np.fft.irfft(spectrum / np.sqrt(frequencies), n=size)


def mix(speech, padded, kind, snr, rng):
    """`padded` plus noise whose power is the power of `speech` (the espeak-ng
    samples, pauses included, without padding) minus `snr` dB."""
    import numpy as np

    sound = noise(kind, padded.size, rng)
    speech_power = float(np.mean(speech ** 2))
    noise_power = float(np.mean(sound ** 2))
    sound *= math.sqrt(speech_power / (noise_power * 10 ** (snr / 10)))
    return padded + sound


def write_wav(path, samples):
    import numpy as np

    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > 32767:
        samples = samples * (32767 / peak)
    data = np.round(samples).astype("<i2").tobytes()
    with wave.open(path, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        file.writeframes(data)


def make(out, grammar):
    import numpy as np

    cats = categories(grammar)
    texts = sentences(cats, CLEAN_COUNT, SEED)
    rng = random.Random(SEED + 1)
    os.makedirs(os.path.join(out, "clean"), exist_ok=True)
    os.makedirs(os.path.join(out, "noisy"), exist_ok=True)
    entries = []
    speeches = []
    with tempfile.TemporaryDirectory() as folder:
        for index, text in enumerate(texts):
            voice = VOICES[index % len(VOICES)]
            rate = rng.randrange(RATES[0], RATES[1] + 1, 5)
            pitch = rng.randrange(PITCHES[0], PITCHES[1] + 1, 5)
            speech = speak(text, voice, rate, pitch, folder)
            padded = pad(speech, np.random.default_rng(SEED + index))
            name = f"clean/{index:03d}.wav"
            write_wav(os.path.join(out, name), padded)
            speeches.append((speech, padded))
            request = parse_request(text, cats)
            entries.append({"file": name, "text": text, "characters": request["characters"],
                            "place": request["place"], "colours": request["colours"],
                            "actions": request["actions"], "voice": voice, "rate": rate, "pitch": pitch,
                            "snr": None, "noise": None})
    for index in range(NOISY_COUNT):
        kind, snr = NOISES[index % len(NOISES)]
        source = entries[index]
        speech, padded = speeches[index]
        noisy = mix(speech, padded, kind, snr, np.random.default_rng(SEED + 1000 + index))
        name = f"noisy/{index:03d}-{kind}{snr}.wav"
        write_wav(os.path.join(out, name), noisy)
        entry = dict(source, file=name, snr=snr, noise=kind)
        entries.append(entry)
    manifest = {"grammar": os.path.relpath(grammar, REPO), "sample_rate": SAMPLE_RATE, "seed": SEED,
                "noise": "white or pink (1/f) Gaussian noise, SNR against the speech power without padding",
                "files": entries}
    with open(os.path.join(out, "manifest.json"), "w") as file:
        json.dump(manifest, file, indent=1)
    clean = sum(1 for entry in entries if entry["snr"] is None)
    print(f"{out}: {clean} clean and {len(entries) - clean} noisy requests")
    for category, phrases in cats.items():
        used = Counter(word for entry in entries[:clean] for word in
                       (entry["characters"] + [entry["place"]] + entry["colours"] + entry["actions"]) if word)
        missing = [phrase for phrase in phrases if used[phrase] == 0]
        if missing:
            print(f"  <{category}> not in the set: {' '.join(missing)}")


# MARK: - Scoring


def edit_distance(reference, hypothesis):
    previous = list(range(len(hypothesis) + 1))
    for i, word in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, heard in enumerate(hypothesis, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != heard))
        previous = current
    return previous[-1]


def last_json(output):
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def run(command, paths):
    """One JSON object (or None) per path."""
    if "{wavs}" in command:
        line = command.replace("{wavs}", " ".join(shlex.quote(path) for path in paths))
        done = subprocess.run(line, shell=True, capture_output=True, text=True)
        objects = []
        for text in done.stdout.splitlines():
            text = text.strip()
            if text.startswith("{"):
                objects.append(json.loads(text))
        if len(objects) != len(paths):
            sys.stderr.write(done.stderr)
            raise SystemExit(f"the command printed {len(objects)} JSON lines for {len(paths)} files")
        return objects
    results = []
    for path in paths:
        done = subprocess.run(command.replace("{wav}", shlex.quote(path)), shell=True, capture_output=True,
                              text=True)
        result = last_json(done.stdout)
        if result is None:
            sys.stderr.write(f"{path}: no JSON (exit {done.returncode}): {done.stderr.strip()[:200]}\n")
        results.append(result)
    return results


def score(out, command, cats, entries, min_confidence, verbose):
    paths = [os.path.join(out, entry["file"]) for entry in entries]
    results = run(command, paths)
    groups = {}
    for entry, result in zip(entries, results):
        names = ["clean"] if entry["snr"] is None else ["noisy", f"noisy {entry['snr']} dB"]
        counts = [groups.setdefault(name, {"count": 0, "right": 0, "asked": 0, "wrong": 0, "errors": 0, "words": 0})
                  for name in names]
        result = result or {}
        text = " ".join(str(result.get("text", "")).lower().split())
        reference = entry["text"].split()
        errors = edit_distance(reference, text.split())
        for group in counts:
            group["count"] += 1
            group["words"] += len(reference)
            group["errors"] += errors
        confidence = result.get("confidence")
        asked = (not text or result.get("understood") is False
                 or (min_confidence is not None and confidence is not None and confidence < min_confidence))
        heard = parse_request(text, cats)
        right = heard["characters"] == sorted(entry["characters"]) and heard["place"] == entry["place"]
        verdict = "asked" if asked else "right" if right else "WRONG"
        for group in counts:
            group[{"asked": "asked", "right": "right", "WRONG": "wrong"}[verdict]] += 1
        if verbose and (verdict != "right" or verbose > 1):
            noise = f" {entry['noise']}{entry['snr']}" if entry["snr"] is not None else ""
            conf = f" {confidence:.3f}" if isinstance(confidence, (int, float)) else ""
            print(f"{verdict:5} {entry['file']} [{entry['voice']} s{entry['rate']} p{entry['pitch']}{noise}]{conf}\n"
                  f"      said:  {entry['text']}\n      heard: {text}")
    return groups


def report(groups):
    lines = []
    for name in ["clean", "noisy"] + sorted((name for name in groups if name.startswith("noisy ")), reverse=True,
                                            key=lambda name: int(name.split()[1])):
        group = groups.get(name)
        if not group:
            continue
        count = group["count"]
        lines.append(f"{'  ' if name.startswith('noisy ') else ''}{name}: {count} requests: heard right {100 * group['right'] / count:.1f}%, "
                     f"asked again {100 * group['asked'] / count:.1f}%, wrong {100 * group['wrong'] / count:.1f}%, "
                     f"WER {100 * group['errors'] / max(1, group['words']):.1f}%")
    return "\n".join(lines)


def select(entries, subset, limit):
    clean = [entry for entry in entries if entry["snr"] is None]
    noisy = [entry for entry in entries if entry["snr"] is not None]
    if subset == "ci":
        return clean[:8] + noisy[:4]
    if limit is not None:
        return clean[:limit] + noisy[:limit // 2]
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT, help="the test set folder (default .build/listen-testset)")
    parser.add_argument("--grammar", default=DEFAULT_GRAMMAR, help="the JSGF grammar (default Config/listen/story.gram)")
    parser.add_argument("--score", action="store_true", help="score --command on the set instead of making it")
    parser.add_argument("--command", help="run per file: {wav} is its path (or {wavs}: all paths, one JSON line each)")
    parser.add_argument("--min-understood", type=float, default=0.0,
                        help="exit 1 when the clean share heard right is below this percentage")
    parser.add_argument("--min-confidence", type=float, default=None,
                        help="count a \"confidence\" below this as asked again")
    parser.add_argument("--subset", choices=["all", "ci"], default="all")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="also print the numbers as one JSON line")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="list the misheard files (-vv: all)")
    arguments = parser.parse_args()

    if not arguments.score:
        make(arguments.out, arguments.grammar)
        return 0
    if not arguments.command:
        parser.error("--score needs --command")
    manifest_path = os.path.join(arguments.out, "manifest.json")
    if not os.path.exists(manifest_path):
        make(arguments.out, arguments.grammar)
    manifest = json.load(open(manifest_path))
    cats = categories(arguments.grammar)
    entries = select(manifest["files"], arguments.subset, arguments.limit)
    groups = score(arguments.out, arguments.command, cats, entries, arguments.min_confidence, arguments.verbose)
    print(report(groups))
    if arguments.json:
        print(json.dumps(groups))
    clean = groups.get("clean")
    if clean and 100 * clean["right"] / clean["count"] < arguments.min_understood:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
