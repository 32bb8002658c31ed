"""The words of webhook refusals and problems, shared by the GraphQL mutations and the
webhooks page so both say the same thing in each language."""

from __future__ import annotations

from aggregator.notify.webhooks import Problem, WebhookError
from gateway.messages import message

__all__ = ["EXAMPLE_URL", "webhook_problem_text", "webhook_refusal_text"]

EXAMPLE_URL = "https://example.com/caseline/webhooks"


def _kind(language: str, kind: object) -> str:
    # Each class named as a whole phrase: its article and adjective order differ by language.
    texts = {
        "loopback": message(language, "a loopback address (this machine)"),
        "private": message(language, "a private network address"),
        "shared (CGNAT)": message(language, "a shared carrier network address (CGNAT)"),
        "link-local": message(language, "a link-local address"),
        "unique-local": message(language, "a unique-local IPv6 address"),
        "multicast": message(language, "a multicast address"),
        "unspecified": message(language, "the unspecified address"),
    }
    return texts.get(str(kind), message(language, "a reserved address"))


def webhook_refusal_text(exc: WebhookError, language: str) -> str:
    """Why a webhook request was refused, in ``language``: what is wrong, what is
    expected."""
    p = exc.params
    code = exc.code
    if code == "TOO_LONG":
        return message(language, "a webhook URL has at most {limit} characters, this one has "
                                 "{length}", limit=p.get("limit"), length=p.get("length"))
    if code == "EMPTY":
        return message(language, "enter the https URL your system receives webhooks at, "
                                 "such as {example}", example=EXAMPLE_URL)
    if code in ("INVALID", "NO_HOST"):
        return message(language, "this is not a URL Caseline can call; expected one such as "
                                 "{example}, without spaces or accented letters (write an "
                                 "international domain name in its xn-- form)",
                       example=EXAMPLE_URL)
    if code == "NOT_HTTPS":
        return message(language, "a webhook URL must start with https://")
    if code == "CREDENTIALS":
        return message(language, "a webhook URL may not carry a user name or password; "
                                 "Caseline signs every request instead")
    if code == "FRAGMENT":
        return message(language, "a webhook URL may not have a #fragment; it never reaches "
                                 "your server")
    if code == "LOCAL_ADDRESS" and p.get("host") == p.get("address"):
        return message(language, "{address} is {kind}; a webhook URL must reach a public "
                                 "address on the internet", address=p.get("address"),
                       kind=_kind(language, p.get("kind")))
    if code == "LOCAL_ADDRESS":
        return message(language, "{host} leads to {address}, {kind}; a webhook URL must "
                                 "reach a public address on the internet",
                       host=p.get("host"), address=p.get("address"),
                       kind=_kind(language, p.get("kind")))
    if code == "UNRESOLVED":
        return message(language, "{host} could not be found; check the host name",
                       host=p.get("host"))
    if code == "LIMIT":
        return message(language, "you have {limit} webhooks, the most an account may have; "
                                 "delete one first", limit=p.get("limit"))
    if code == "NOT_FOUND":
        return message(language, "you have no webhook with this id; it may have been deleted")
    return exc.message


def webhook_problem_text(problem: Problem, language: str) -> str:
    """Why an endpoint is not ACTIVE, in ``language``."""
    if problem.code == "STATUS":
        return message(language, "it answered HTTP {status} to the verification; expected a "
                                 "2xx answer with the challenge", status=problem.status)
    if problem.code == "WRONG_ECHO":
        return message(language, "it answered without the challenge; expected a JSON body "
                                 "with the challenge under \"challenge\", or the challenge "
                                 "alone")
    if problem.code == "NO_ANSWER":
        return message(language, "no answer to the verification in time (10 seconds), or the "
                                 "connection failed")
    if problem.code == "REFUSED":
        return message(language, "its address may not be called now: it is not a public "
                                 "address on the internet")
    if problem.code == "GONE":
        return message(language, "it answered 410 Gone to a delivery; verify it again to "
                                 "receive notifications")
    return problem.message
