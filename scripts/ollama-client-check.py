#!/usr/bin/env python3
"""Ollama's official Python client (PyPI `ollama`, a client nobody here wrote) against a running
`babyllama serve`: version, list, show, generate and chat, streamed and not, and the errors
it raises; every story compared with what `/v1/generate` tells for the same settings, token for
token (an Ollama generate answer's `context` is the whole sequence: BOS, the prompt, the story).

Run by Tests/StoryServiceTests/OllamaAPITests (with the interpreter of the project's .venv,
which scripts/install-deps.sh makes); by hand:

  .venv/bin/python scripts/ollama-client-check.py http://127.0.0.1:8080

Exit status 0 when every check holds; 1 with the failed checks on stderr; 2 when the
`ollama` package is not installed.
"""
import datetime
import importlib.metadata
import sys

try:
    import ollama
except ImportError:
    sys.stderr.write("ollama-client-check: the `ollama` Python package is missing: run scripts/install-deps.sh "
                     "(it installs it into .venv)\n")
    sys.exit(2)

failures = []
passed = 0


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        sys.stderr.write("FAILED: %s\n" % what)


def native(client, prompt, options):
    """/v1/generate for the same prompt and settings, through the client's own HTTP session."""
    body = {"prompt": prompt, "seed": options["seed"], "temperature": options["temperature"],
            "top_p": options["top_p"], "max_tokens": options["num_predict"]}
    answer = client._client.post("/v1/generate", json=body)
    answer.raise_for_status()
    return answer.json()


def check_statistics(final, what):
    check(final.done is True, what + ": done")
    check(final.done_reason in ("stop", "length"), what + ": done_reason %r" % final.done_reason)
    for name in ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration",
                 "eval_count", "eval_duration"):
        value = getattr(final, name)
        check(isinstance(value, int) and value >= 0, "%s: %s is a count of nanoseconds or tokens, got %r"
              % (what, name, value))
    check(final.total_duration >= final.eval_duration, what + ": total_duration covers eval_duration")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    client = ollama.Client(host=sys.argv[1])

    # version: the client has no call for it; Open WebUI and others GET it.
    version = client._client.get("/api/version").json()
    check(isinstance(version.get("version"), str) and version["version"].count(".") == 2,
          "/api/version gives a version: %r" % version)

    # list
    models = client.list().models
    check(len(models) == 1, "list: one model, got %r" % models)
    name = models[0].model
    check(name == "stories260K:latest", "list: the bundled model's name, got %r" % name)
    check(models[0].size > 0 and len(models[0].digest) == 64, "list: size and digest")
    check(isinstance(models[0].modified_at, datetime.datetime), "list: modified_at is a date")
    check(models[0].details.family == "llama" and models[0].details.parameter_size == "260K",
          "list: details %r" % models[0].details)

    # show
    shown = client.show(name)
    check(shown.modelinfo.get("llama.context_length") == 512, "show: context length, got %r" % shown.modelinfo)
    check("completion" in (shown.capabilities or []), "show: capabilities %r" % shown.capabilities)
    check(shown.details.quantization_level == "F32", "show: details %r" % shown.details)

    # generate, not streamed, against /v1/generate
    options = {"seed": 42, "temperature": 0.8, "top_p": 0.9, "num_predict": 60}
    prompt = "Once upon a time"
    whole = client.generate(model=name, prompt=prompt, options=options)
    expected = native(client, prompt, options)
    check(whole.response == expected["text"], "generate: the text of /v1/generate")
    check(list(whole.context[expected["prompt_tokens"]:]) == expected["tokens"], "generate: the tokens of /v1/generate")
    check(whole.eval_count == expected["completion_tokens"], "generate: eval_count")
    check(whole.prompt_eval_count == expected["prompt_tokens"], "generate: prompt_eval_count")
    check(whole.model == name, "generate: model %r" % whole.model)
    check_statistics(whole, "generate")

    # generate, streamed
    parts = list(client.generate(model="stories260K", prompt=prompt, options=options, stream=True))
    check(len(parts) >= 2 and all(not part.done for part in parts[:-1]), "generate stream: pieces, then done")
    check("".join(part.response for part in parts) == whole.response, "generate stream: the same text")
    check(list(parts[-1].context) == list(whole.context), "generate stream: the same tokens")
    check_statistics(parts[-1], "generate stream")

    # chat: the last user message is the story's opening
    messages = [{"role": "system", "content": "You tell bedtime stories."},
                {"role": "user", "content": "Tom and his dog"}]
    chat_options = {"seed": 7, "temperature": 1.0, "top_p": 0.95, "num_predict": 50}
    expected = native(client, "Tom and his dog", chat_options)
    answer = client.chat(model=name, messages=messages, options=chat_options)
    check(answer.message.role == "assistant", "chat: an assistant message")
    check(answer.message.content == expected["text"], "chat: the text of /v1/generate")
    check(answer.eval_count == expected["completion_tokens"], "chat: eval_count")
    check_statistics(answer, "chat")
    pieces = list(client.chat(model=name, messages=messages, options=chat_options, stream=True))
    check("".join(piece.message.content for piece in pieces) == expected["text"], "chat stream: the same text")
    check(all(piece.message.role == "assistant" for piece in pieces), "chat stream: assistant messages")
    check_statistics(pieces[-1], "chat stream")

    # errors, as the client raises them
    try:
        client.generate(model="llama3.2", prompt=prompt)
        check(False, "generate with another model: refused")
    except ollama.ResponseError as error:
        check(error.status_code == 404 and error.error == "model 'llama3.2' not found",
              "another model: 404 model not found, got %s" % error)
    try:
        client.show("llama3.2")
        check(False, "show another model: refused")
    except ollama.ResponseError as error:
        check(error.status_code == 404, "show another model: 404, got %s" % error)
    for streamed in (False, True):
        try:
            result = client.chat(model=name, messages=messages, options={"top_p": 2}, stream=streamed)
            if streamed:
                list(result)
            check(False, "a bad option: refused (stream=%s)" % streamed)
        except ollama.ResponseError as error:
            check(error.status_code == 400 and "top_p" in error.error,
                  "a bad option: 400 naming it (stream=%s), got %s" % (streamed, error))

    # no prompt: Ollama's "load the model"
    loaded = client.generate(model=name, prompt="")
    check(loaded.done and loaded.done_reason == "load" and loaded.response == "", "an empty prompt: load, got %r" % loaded)

    print("ollama-client-check: ollama %s: %d checks held, %d did not" % (
        importlib.metadata.version("ollama"), passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
