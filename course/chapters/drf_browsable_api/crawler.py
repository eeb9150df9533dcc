"""A crawler for the outage: threads that request one page as a browser.

Run it as ``python -m course.chapters.drf_browsable_api.crawler URL``, with
``--threads`` and ``--seconds``. When the time is up it prints how many
answers of each status it got, as JSON (``"error"`` counts failed requests).
"""

import argparse
import collections
import json
import threading
import time

import requests

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HEADERS = {"Accept": BROWSER}


def crawl(url, deadline, statuses, lock):
    """Request `url` as a browser until `deadline`, counting the answers."""
    session = requests.Session()
    while time.monotonic() < deadline:
        try:
            answer = session.get(url, headers=HEADERS, timeout=30)
            status = str(answer.status_code)
        except requests.RequestException:
            status = "error"
            time.sleep(0.1)  # the server is down: do not spin
        with lock:
            statuses[status] += 1
        time.sleep(0.01)  # a breath between pages, as a crawler takes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the page to crawl")
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.threads < 1 or args.seconds <= 0:
        parser.error("--threads must be 1 or more, --seconds more than 0")
    deadline = time.monotonic() + args.seconds
    statuses, lock = collections.Counter(), threading.Lock()
    work, n = (args.url, deadline, statuses, lock), args.threads
    threads = [threading.Thread(target=crawl, args=work) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(dict(sorted(statuses.items()))))


if __name__ == "__main__":
    main()
